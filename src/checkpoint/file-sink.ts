import fs from "node:fs";
import { FILE_MODE } from "./atomic-file.js";

/**
 * Where the checkpoint writer sends one file's text. The writer calls
 * `write` with at most one call pending at a time, and `writeSync` only on
 * the exit path.
 */
export interface AppendSink {
  /** Appends `chunk` after everything written before. */
  write(chunk: string): Promise<void>;
  /**
   * Appends `chunk` before returning. A pending `write` has its bytes
   * written first, so nothing is lost when the process exits right after.
   */
  writeSync(chunk: string): void;
  close(): Promise<void>;
}

interface PendingWrite {
  chunk: string;
  position: number;
}

/**
 * Appends to a file through one descriptor with positional writes (pwrite).
 * The file is not opened with O_APPEND because Linux ignores the position
 * in append mode. Positions make a repeated write idempotent, and
 * `writeSync` relies on that: it writes a pending async chunk again at the
 * same offset instead of guessing whether the thread pool finished it.
 */
export class FileSink implements AppendSink {
  private readonly fd: number;
  private position: number;
  private pending: PendingWrite | null = null;
  private isClosed = false;

  /**
   * Opens `filePath` (mode 0600 when created) and appends from byte
   * `startBytes`, cutting anything after it. Default: the current end.
   */
  constructor(filePath: string, startBytes?: number) {
    this.fd = fs.openSync(filePath, fs.constants.O_WRONLY | fs.constants.O_CREAT, FILE_MODE);
    const size = fs.fstatSync(this.fd).size;
    this.position = startBytes ?? size;
    if (this.position < size) fs.ftruncateSync(this.fd, this.position);
  }

  write(chunk: string): Promise<void> {
    const write: PendingWrite = { chunk, position: this.position };
    const byteLength = Buffer.byteLength(chunk, "utf8");
    this.position += byteLength;
    this.pending = write;
    const finish = () => {
      if (this.pending === write) this.pending = null;
    };
    // Node copies a string into native memory for the thread pool, so
    // frequent flushes leave no Buffers for the garbage collector.
    return new Promise<void>((resolve, reject) => {
      fs.write(this.fd, chunk, write.position, "utf8", (error, written) => {
        if (error) {
          reject(error);
          return;
        }
        if (written === byteLength) {
          finish();
          resolve();
          return;
        }
        writeRest(this.fd, Buffer.from(chunk, "utf8"), written, write.position).then(() => {
          finish();
          resolve();
        }, reject);
      });
    });
  }

  writeSync(chunk: string): void {
    if (this.pending !== null) {
      writeAllSync(this.fd, Buffer.from(this.pending.chunk, "utf8"), this.pending.position);
      this.pending = null;
    }
    const buffer = Buffer.from(chunk, "utf8");
    writeAllSync(this.fd, buffer, this.position);
    this.position += buffer.length;
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    await new Promise<void>((resolve, reject) => {
      fs.close(this.fd, (error) => (error ? reject(error) : resolve()));
    });
  }
}

/** Writes `buffer` from `offset` on, continuing after short writes. */
function writeRest(fd: number, buffer: Buffer, offset: number, position: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const writeFrom = (from: number) => {
      const length = buffer.length - from;
      fs.write(fd, buffer, from, length, position + from, (error, written) => {
        if (error) {
          reject(error);
          return;
        }
        // A short write is legal; continue where the kernel stopped.
        if (from + written < buffer.length) writeFrom(from + written);
        else resolve();
      });
    };
    writeFrom(offset);
  });
}

function writeAllSync(fd: number, buffer: Buffer, position: number): void {
  let offset = 0;
  while (offset < buffer.length) {
    offset += fs.writeSync(fd, buffer, offset, buffer.length - offset, position + offset);
  }
}
