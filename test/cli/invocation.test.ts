import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { plaitInvocation } from "../../src/cli/invocation.js";

function makeScript(): { dir: string; script: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plait-invocation-"));
  const script = path.join(dir, "plait.js");
  fs.writeFileSync(script, "", { mode: 0o755 });
  return { dir, script };
}

describe("plaitInvocation", () => {
  it("says plait when PATH leads to this script", () => {
    const { dir, script } = makeScript();
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "plait-bin-"));
    fs.symlinkSync(script, path.join(bin, "plait"));
    expect(plaitInvocation({ PATH: `${dir}${path.delimiter}${bin}` }, script)).toBe("plait");
  });

  it("says npx plait when only node_modules/.bin has it", () => {
    const { dir, script } = makeScript();
    const bin = path.join(dir, "node_modules", ".bin");
    fs.mkdirSync(bin, { recursive: true });
    fs.symlinkSync(script, path.join(bin, "plait"));
    expect(plaitInvocation({ PATH: bin }, script)).toBe("npx plait");
  });

  it("skips a plait on PATH that is another program", () => {
    const { script } = makeScript();
    const other = makeScript();
    fs.renameSync(other.script, path.join(other.dir, "plait"));
    expect(plaitInvocation({ PATH: other.dir }, script)).toBe(`node ${script}`);
  });

  it("names node and the script otherwise", () => {
    const { script } = makeScript();
    expect(plaitInvocation({ PATH: "" }, script)).toBe(`node ${script}`);
  });
});
