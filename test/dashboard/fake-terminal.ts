import { Writable } from "node:stream";

/**
 * A writable stream that claims to be a terminal, keeps what was written,
 * and replays the cursor movements that ink and cli-progress use, so a test
 * can read the screen a user would see.
 */
export class FakeTerminal extends Writable {
  readonly isTTY = true;
  columns = 100;
  rows = 40;
  output = "";

  override _write(chunk: Buffer | string, _encoding: string, done: () => void): void {
    this.output += String(chunk);
    done();
  }

  asWriteStream(): NodeJS.WriteStream {
    return this as unknown as NodeJS.WriteStream;
  }

  /** The screen after every write, trailing spaces and empty last lines removed. */
  get screen(): string {
    return replayScreen(this.output);
  }
}

// eslint-disable-next-line no-control-regex
const TOKEN = /\u001b\[([?0-9;]*)([A-Za-z])|\u001b([78])|([\r\n])|([^\u001b\r\n]+)/g;

function replayScreen(output: string): string {
  const lines: string[] = [""];
  let row = 0;
  let column = 0;
  let saved = { row: 0, column: 0 };
  const write = (text: string) => {
    const line = (lines[row] ?? "").padEnd(column);
    lines[row] = line.slice(0, column) + text + line.slice(column + text.length);
    column += [...text].length;
  };
  for (const match of output.matchAll(TOKEN)) {
    const [, params = "", command, saveRestore, control, text] = match;
    const count = Number.parseInt(params, 10) || 1;
    if (text !== undefined) write(text);
    else if (control === "\r") column = 0;
    else if (control === "\n") [row, column] = [row + 1, 0];
    else if (saveRestore === "7") saved = { row, column };
    else if (saveRestore === "8") ({ row, column } = saved);
    else if (command === "A") row = Math.max(0, row - count);
    else if (command === "E") [row, column] = [row + count, 0];
    else if (command === "G") column = count - 1;
    else if (command === "K" && params === "2") lines[row] = "";
    else if (command === "K") lines[row] = (lines[row] ?? "").slice(0, column);
    while (lines.length <= row) lines.push("");
  }
  return lines.map((line) => line.trimEnd()).join("\n").trimEnd();
}
