import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The repository root, where bin/plait.js lives. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PLAIT_BIN = fileURLToPath(new URL("../../bin/plait.js", import.meta.url));

export interface CliOptions {
  /** Working folder of the child. Default: the repository root. */
  cwd?: string;
  /** Added to this process's environment. */
  env?: Record<string, string | undefined>;
  /** Written to the child's stdin, which is then closed. */
  input?: string;
  /** The child is killed with SIGKILL after this long. Default 30000. */
  timeoutMs?: number;
}

export interface CliResult {
  stdout: string;
  stderr: string;
  /** null when the child ended by a signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Runs the built CLI (`node bin/plait.js ...args`) to completion. Needs
 * `npm run build` first. Rejects only when the child cannot start. A
 * timeout shows up as signal SIGKILL.
 */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).exited;
}

/** A running CLI child and the text it has written so far. */
export interface RunningCli {
  process: ChildProcess;
  output: { stdout: string; stderr: string };
  /** Resolves with the first stdout line matching `pattern`, or rejects if the child exits. */
  waitForLine(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Resolves when the child exits, with everything it wrote. */
  exited: Promise<CliResult>;
}

/** Starts the built CLI and returns at once, for long-running commands. */
export function startCli(args: string[], options: CliOptions = {}): RunningCli {
  const child = spawn(process.execPath, [PLAIT_BIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env, NO_COLOR: "1" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const output = { stdout: "", stderr: "" };
  child.stdout.setEncoding("utf8").on("data", (text: string) => (output.stdout += text));
  child.stderr.setEncoding("utf8").on("data", (text: string) => (output.stderr += text));
  child.stdin.end(options.input ?? "");
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
  child.once("exit", () => clearTimeout(timer));
  const exited = waitForExit(child, output);

  const waitForLine = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        for (const line of output.stdout.split("\n")) {
          const match = line.match(pattern);
          if (match !== null) {
            child.stdout.off("data", check);
            resolve(match);
            return;
          }
        }
      };
      child.stdout.on("data", check);
      check();
      const onExit = () =>
        reject(new Error(`CLI exited before printing ${pattern}:\n${output.stderr}`));
      exited.then(onExit, onExit);
    });
  return { process: child, output, waitForLine, exited };
}

function waitForExit(
  child: ChildProcess,
  output: { stdout: string; stderr: string },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    // "close" rather than "exit", so stdout and stderr are fully read.
    child.once("close", (exitCode, signal) => resolve({ ...output, exitCode, signal }));
  });
}
