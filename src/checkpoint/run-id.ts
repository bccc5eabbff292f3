import { randomBytes } from "node:crypto";

/** Longest pipeline-name part of a run id, so folder names stay readable. */
const MAX_SLUG_LENGTH = 32;

/**
 * Builds a run id such as `20261204-153012-triage-3f9a`: UTC start time
 * first so that ids sort by time, then the pipeline name, then 4 random hex
 * digits that keep two runs started in the same second apart.
 */
export function createRunId(pipelineName: string, startedAt: Date, suffix?: string): string {
  const iso = startedAt.toISOString(); // 2026-12-04T15:30:12.345Z
  const date = iso.slice(0, 10).replaceAll("-", "");
  const time = iso.slice(11, 19).replaceAll(":", "");
  const random = suffix ?? randomBytes(2).toString("hex");
  return `${date}-${time}-${slugify(pipelineName)}-${random}`;
}

function slugify(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, MAX_SLUG_LENGTH)
    .replace(/-+$/, "");
  return slug === "" ? "run" : slug;
}
