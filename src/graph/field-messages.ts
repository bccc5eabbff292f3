import { findClosest } from "../config/suggest.js";
import type { PathProblem } from "./value-shape.js";

/**
 * Builds the message for a reference that walks into a field its source
 * cannot have. `uses` opens the message (`node "reply" uses {{ ... }}`), and
 * `root` is the reference's first name as written (a node name or `item`).
 */
export function describePathProblem(problem: PathProblem, uses: string, root: string): string {
  const walked = [root, ...problem.at].join(".");
  if (problem.kind === "no-fields") {
    const { description, origin } = problem.shape;
    return (
      `${uses}, but ${walked} is ${description} (${origin}), so it has no fields. ` +
      `Write {{ ${walked} }}.`
    );
  }
  const { field, shape } = problem;
  const names = [...shape.fields.keys()];
  const closest = findClosest(field, names);
  // The outputs of a nested pipeline keep their own wording: the fix is in
  // the other file.
  if (shape.fieldNoun === "output" && problem.at.length === 0) {
    const fix = closest
      ? `Did you mean "${closest}"?`
      : `Its outputs are ${names.join(", ") || "none"}.`;
    return `${uses}, but ${shape.origin} has no output "${field}". ${fix}`;
  }
  const where = problem.at.length > 0 || root === "item" ? ` in ${walked}` : "";
  const noun = shape.fieldNoun;
  const lists = names.length > 0 ? `it lists ${names.join(", ")}` : `it lists no ${noun}`;
  const addTo = noun === "property" ? "the schema's properties" : "that pipeline's outputs";
  let fix = `Add "${field}" to ${addTo}.`;
  if (names.length > 0) fix = `Use one of those, or add "${field}" to ${addTo}.`;
  if (closest !== undefined) fix = `Did you mean "${closest}"?`;
  return `${uses}, but ${shape.origin} has no ${noun} "${field}"${where} (${lists}). ${fix}`;
}
