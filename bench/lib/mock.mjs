import { spawn } from "node:child_process";
import { PLAIT_BIN, ROOT } from "./paths.mjs";

/**
 * Starts `plait mock-server --port 0 FLAGS` as a child process and resolves
 * with its URL once it listens. The benchmarks read its counters from
 * `GET /stats`, the far side of the wire.
 */
export function startMock(flags = []) {
  const child = spawn(process.execPath, [PLAIT_BIN, "mock-server", "--port", "0", ...flags], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    let stdout = "";
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`mock-server exited with ${code}: ${stderr}`)));
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      stdout += chunk;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (match) resolve(new MockServer(child, match[1], flags));
    });
  });
}

export class MockServer {
  constructor(child, url, flags) {
    this.child = child;
    this.url = url;
    this.flags = flags;
  }

  async stats() {
    const response = await fetch(`${this.url}/stats`);
    return response.json();
  }

  async reset() {
    await fetch(`${this.url}/stats/reset`, { method: "POST" });
  }

  stop() {
    return new Promise((resolve) => {
      this.child.removeAllListeners("exit");
      if (this.child.exitCode !== null) return resolve();
      this.child.once("exit", () => resolve());
      this.child.kill("SIGTERM");
    });
  }
}

/**
 * Samples a mock server's request and success counts every `intervalMs`,
 * stamped with epoch milliseconds, to time a workload from the server's side.
 */
export class StatsPoller {
  constructor(mock, intervalMs = 25) {
    this.mock = mock;
    this.intervalMs = intervalMs;
    this.samples = [];
    this.isRunning = false;
  }

  start() {
    this.isRunning = true;
    this.loop = (async () => {
      while (this.isRunning) {
        const stats = await this.mock.stats();
        this.samples.push({
          atMs: nowEpochMs(),
          requests: stats.requests.total,
          successes: stats.successes,
          rateLimited: stats.rateLimited.total,
        });
        await new Promise((resolve) => setTimeout(resolve, this.intervalMs));
      }
    })();
    return this;
  }

  async stop() {
    this.isRunning = false;
    await this.loop;
  }

  /** Epoch ms of the first sample that saw a request, or undefined. */
  firstRequestAtMs() {
    return this.samples.find((sample) => sample.requests > 0)?.atMs;
  }

  /** Epoch ms of the first sample at which successes reached `count`, or undefined. */
  reachedAtMs(count) {
    return this.samples.find((sample) => sample.successes >= count)?.atMs;
  }

  /** Epoch ms of the last sample whose success count differs from the one before it. */
  lastSuccessAtMs() {
    let last;
    for (let i = 1; i < this.samples.length; i++) {
      if (this.samples[i].successes !== this.samples[i - 1].successes) last = this.samples[i].atMs;
    }
    return last;
  }

  /** Successes seen by epoch ms `atMs`. */
  successesAt(atMs) {
    let count = 0;
    for (const sample of this.samples) {
      if (sample.atMs > atMs) break;
      count = sample.successes;
    }
    return count;
  }
}

/** Wall-clock time in ms with sub-ms precision, comparable across processes. */
export function nowEpochMs() {
  return performance.timeOrigin + performance.now();
}
