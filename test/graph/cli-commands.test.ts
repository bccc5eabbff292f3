import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Command, CommanderError } from "commander";
import { formatCliError } from "../../src/cli/format-error.js";
import { registerGraphCommand } from "../../src/cli/graph.js";
import { registerValidateCommand } from "../../src/cli/validate.js";
import { writeTempFiles } from "../config/temp-files.js";

const FIXTURES = path.resolve("test/fixtures");
const RESOURCES = `${FIXTURES}/config/simulated.yaml`;

let stdout = "";
let stderr = "";

beforeEach(() => {
  stdout = "";
  stderr = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * Runs the two commands the way main.ts does, without loading the other
 * commands: a CommanderError or a thrown error ends with exit code 2.
 */
async function run(...args: string[]): Promise<number> {
  const exit = { code: 0 };
  const program = new Command("plait").exitOverride();
  registerValidateCommand(program, exit);
  registerGraphCommand(program, exit);
  try {
    await program.parseAsync(["node", "plait", ...args]);
    return exit.code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    process.stderr.write(formatCliError(error) + "\n");
    return 2;
  }
}

describe("plait validate", () => {
  it("prints a summary for valid files", async () => {
    const code = await run("validate", `${FIXTURES}/pipelines/triage.yaml`, "--resources", RESOURCES);
    expect(code).toBe(0);
    expect(stdout).toBe("ok: ticket-triage: 3 nodes, 3 LLM calls per record, aliases: fast, smart\n");
    expect(stderr).toBe("");
  });

  it("counts foreach calls per element", async () => {
    const code = await run(
      "validate",
      `${FIXTURES}/pipelines/nested/outer.yaml`,
      "--resources",
      RESOURCES,
    );
    expect(code).toBe(0);
    expect(stdout).toBe(
      "ok: outer: 7 nodes, 2 LLM calls per record + 1 per foreach element, " +
        "aliases: fast, smart\n",
    );
  });

  it("lists problems of both files and exits 2", async () => {
    const dir = await writeTempFiles({
      "r.yaml": "endpoints:\n  fast: {provider: simulated, max_concurrent: 0}\n",
      "p.yaml": 'nodes:\n  a: {llm: fast, prompt: "{{ b }}"}\noutputs: {v: "{{ a }}"}\n',
    });
    const code = await run("validate", `${dir}/p.yaml`, "--resources", `${dir}/r.yaml`);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      `${dir}/r.yaml:2:47: endpoints.fast.max_concurrent must be a whole number from 1 ` +
        "to 100000, received 0.\n" +
        `${dir}/p.yaml:2:27: node "a" uses {{ b }}, which is not a node or input field. ` +
        "Valid names: a.\n",
    );
  });

  it("rejects a missing pipeline file", async () => {
    const code = await run("validate", "absent.yaml", "--resources", RESOURCES);
    expect(code).toBe(2);
    expect(stderr).toBe("absent.yaml: pipeline file not found. Check the path.\n");
  });

  it("requires --resources", async () => {
    const code = await run("validate", `${FIXTURES}/pipelines/triage.yaml`);
    expect(code).toBe(2);
    expect(stderr).toContain("required option '--resources <file>' not specified");
  });
});

describe("plait graph", () => {
  it("draws text by default", async () => {
    const code = await run("graph", `${FIXTURES}/pipelines/triage.yaml`);
    expect(code).toBe(0);
    expect(stdout).toContain("  category: llm fast (json); reads summary\n");
  });

  it("draws mermaid", async () => {
    const code = await run("graph", `${FIXTURES}/pipelines/triage.yaml`, "--format", "mermaid");
    expect(code).toBe(0);
    expect(stdout.startsWith("flowchart TD\n")).toBe(true);
  });

  it("checks aliases when given resources", async () => {
    const dir = await writeTempFiles({
      "r.yaml": "endpoints:\n  other: {provider: simulated}\n",
    });
    const code = await run(
      "graph",
      `${FIXTURES}/pipelines/triage.yaml`,
      "--resources",
      `${dir}/r.yaml`,
    );
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain('node "summary" uses alias "fast", which is not in');
  });

  it("rejects an unknown format", async () => {
    const code = await run("graph", `${FIXTURES}/pipelines/triage.yaml`, "--format", "png");
    expect(code).toBe(2);
    expect(stderr).toContain("Allowed choices are text, mermaid, dot.");
  });

  it("rejects a missing file", async () => {
    const code = await run("graph", "absent.yaml");
    expect(code).toBe(2);
    expect(stderr).toBe("absent.yaml: pipeline file not found. Check the path.\n");
  });
});
