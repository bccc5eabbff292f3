#!/usr/bin/env node
// Writes one JSON line per SPDX license, {"id", "name", "text"}, from the
// full texts that the spdx-license-list package ships (a dev dependency),
// sorted by SPDX id so that every build writes the same file.
//
//   node scripts/build-license-data.mjs [OUTPUT]
//
// OUTPUT defaults to pipelines/data/licenses.jsonl in this repository.

import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
// The package is CommonJS without an "exports" map, so an ES module import
// needs the file's extension: "spdx-license-list/full" alone is not found.
import licenses from "spdx-license-list/full.js";

const DEFAULT_OUTPUT = fileURLToPath(
  new URL("../pipelines/data/licenses.jsonl", import.meta.url),
);

/**
 * Streams every license to `outputPath`, waiting for the file to drain
 * whenever its buffer is full. Returns the number of records written.
 */
async function writeLicenseRecords(outputPath) {
  await mkdir(path.dirname(outputPath), { recursive: true });
  const out = createWriteStream(outputPath, { encoding: "utf8" });
  const failed = once(out, "error").then(([error]) => Promise.reject(error));
  // The races below handle the error, so this only keeps an early one from
  // also being reported as an unhandled rejection.
  failed.catch(() => {});

  const ids = Object.keys(licenses).sort();
  for (const id of ids) {
    const { name, licenseText } = licenses[id];
    const line = JSON.stringify({ id, name, text: licenseText }) + "\n";
    if (!out.write(line)) await Promise.race([once(out, "drain"), failed]);
  }
  out.end();
  await Promise.race([once(out, "finish"), failed]);
  return ids.length;
}

/** Shortens `file` to a relative path when it lies inside the working folder. */
function displayPath(file) {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}

const USAGE = "usage: node scripts/build-license-data.mjs [OUTPUT]\n";
const args = process.argv.slice(2);
if (args[0] === "--help" || args[0] === "-h") {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (args.length > 1 || args[0]?.startsWith("-")) {
  process.stderr.write(USAGE);
  process.exit(2);
}
const outputPath = path.resolve(args[0] ?? DEFAULT_OUTPUT);
try {
  const count = await writeLicenseRecords(outputPath);
  process.stdout.write(`wrote ${count} licenses to ${displayPath(outputPath)}\n`);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`build-license-data: writing ${outputPath} failed: ${message}\n`);
  process.exit(1);
}
