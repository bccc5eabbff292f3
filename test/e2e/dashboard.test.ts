import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/run-cli.js";
import { makeTempDir } from "../support/temp-dir.js";

const RESOURCES = `
endpoints:
  fast: {provider: simulated, max_concurrent: 4, latency_ms: 30, input_cost_per_1m: 1, output_cost_per_1m: 2}
  smart: {provider: simulated, max_concurrent: 4, latency_ms: 30, input_cost_per_1m: 3, output_cost_per_1m: 6}
max_inflight_graphs: 4
`;

/**
 * Runs a shell command under a pseudo-terminal of a fixed size, with
 * util-linux `script`, so plait sees an interactive terminal.
 */
function runInTerminal(command: string, cwd: string): Promise<{ output: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qfec", `stty cols 110 rows 40; ${command}`, "/dev/null"], {
      cwd,
      env: { ...process.env, CI: "", NO_COLOR: "", FORCE_COLOR: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => (output += text));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ output, code }));
  });
}

function withoutEscapes(text: string): string {
  // Drops CSI sequences (colours, cursor moves, synchronized output).
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "");
}

describe("dashboard on a terminal", () => {
  it("draws live frames and leaves a clean summary", async () => {
    const dir = await makeTempDir("plait-tty-");
    await writeFile(path.join(dir, "resources.yaml"), RESOURCES);
    const bin = path.join(REPO_ROOT, "bin/plait.js");
    const pipeline = path.join(REPO_ROOT, "pipelines/triage.yaml");
    const input = path.join(REPO_ROOT, "pipelines/data/tickets.jsonl");
    const { output, code } = await runInTerminal(
      `node ${bin} run ${pipeline} --resources resources.yaml --input ${input} --runs-dir runs`,
      dir,
    );
    expect(code).toBe(0);
    const text = withoutEscapes(output);
    // Live frames: the header line and the per-alias table.
    expect(text).toMatch(/plait {2}records \d+\/24/);
    expect(text).toMatch(/alias {2}slots {2}req\/s/);
    expect(text).toMatch(/fast +\d\/4/);
    // The cursor is shown again and the summary follows the last frame.
    expect(output).toContain("\x1b[?25h");
    const summaryAt = text.lastIndexOf("\nRun ");
    expect(summaryAt).toBeGreaterThan(0);
    const summary = text.slice(summaryAt);
    expect(summary).toMatch(/records {3}24 done, 0 failed/);
    // The last frame's total cost matches the summary's.
    const frameCosts = [...text.slice(0, summaryAt).matchAll(/cost \$(\d+\.\d{4})/g)];
    const summaryCost = /cost {6}\$(\d+\.\d{4}) USD/.exec(summary);
    expect(summaryCost).not.toBeNull();
    expect(frameCosts.at(-1)?.[1]).toBe(summaryCost![1]);
  });
});
