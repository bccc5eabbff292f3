/**
 * A streaming CSV parser (RFC 4180: quoted fields, doubled quotes, line
 * breaks inside quotes, CRLF or LF). It is fed chunks and returns the rows
 * completed so far, so a file is never held whole in memory.
 */
export class CsvParser {
  private field = "";
  private row: string[] = [];
  private isQuoted = false;
  /** True right after a closing quote, until the next separator. */
  private afterQuote = false;
  private isFieldStarted = false;
  /** Line on which the row being parsed began, from 1. */
  private rowLine = 1;
  private line = 1;

  /** Parses a chunk; returns complete rows with the line each began on. */
  push(chunk: string): Array<{ fields: string[]; line: number }> {
    const rows: Array<{ fields: string[]; line: number }> = [];
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk[i]!;
      if (this.isQuoted) {
        if (ch === '"') {
          if (chunk[i + 1] === '"') {
            this.field += '"';
            i++;
          } else if (i + 1 === chunk.length) {
            // The quote may be the first of a doubled pair split across
            // chunks; decide when the next chunk arrives.
            this.isQuoted = false;
            this.afterQuote = true;
          } else {
            this.isQuoted = false;
            this.afterQuote = true;
          }
        } else {
          if (ch === "\n") this.line++;
          this.field += ch;
        }
        continue;
      }
      if (ch === '"' && this.afterQuote) {
        // A doubled quote split across two chunks.
        this.field += '"';
        this.isQuoted = true;
        this.afterQuote = false;
      } else if (ch === '"' && !this.isFieldStarted) {
        this.isQuoted = true;
        this.isFieldStarted = true;
      } else if (ch === ",") {
        this.endField();
      } else if (ch === "\n") {
        this.endField();
        rows.push({ fields: this.row, line: this.rowLine });
        this.row = [];
        this.line++;
        this.rowLine = this.line;
      } else if (ch === "\r" && (chunk[i + 1] === "\n" || i + 1 === chunk.length)) {
        // Part of a CRLF line break; the LF ends the row.
      } else {
        this.field += ch;
        this.isFieldStarted = true;
        this.afterQuote = false;
      }
    }
    return rows;
  }

  /** Returns the last row when the input did not end with a line break. */
  end(): { fields: string[]; line: number } | undefined {
    if (!this.isFieldStarted && this.row.length === 0 && this.field === "") return undefined;
    this.endField();
    const row = { fields: this.row, line: this.rowLine };
    this.row = [];
    return row;
  }

  /** True when the input ended inside a quoted field. */
  get isInsideQuotes(): boolean {
    return this.isQuoted;
  }

  private endField(): void {
    this.row.push(this.field);
    this.field = "";
    this.isFieldStarted = false;
    this.afterQuote = false;
  }
}
