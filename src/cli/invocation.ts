import fs from "node:fs";
import path from "node:path";

/**
 * Returns the words that start plait again, for commands printed to the
 * user. It is `plait` when that name on PATH is this program, `npx plait`
 * when only a project's node_modules/.bin contains it, else `node` and the
 * path of the script. npm puts node_modules/.bin on PATH for npx and npm
 * scripts, not for the user's shell.
 */
export function plaitInvocation(
  env: NodeJS.ProcessEnv = process.env,
  script: string | undefined = process.argv[1],
): string {
  if (script === undefined) return "plait";
  const scriptPath = realPath(script);
  const found = findOnPath("plait", env["PATH"] ?? "", scriptPath);
  if (found !== undefined) {
    const isProjectBin = path.basename(path.dirname(found)) === ".bin";
    return isProjectBin ? "npx plait" : "plait";
  }
  const relative = path.relative(process.cwd(), script);
  return `node ${relative.startsWith("..") ? script : relative}`;
}

/** Returns the first `name` on the search path that resolves to `target`. */
function findOnPath(name: string, searchPath: string, target: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir === "") continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
    } catch {
      continue;
    }
    if (realPath(candidate) === target) return candidate;
  }
  return undefined;
}

function realPath(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}
