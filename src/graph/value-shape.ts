/**
 * The load-time knowledge of a node's value, so that a reference such as
 * `{{ category.lable }}` is rejected before anything is spent. Only certain
 * facts are recorded. Anything else is `unknown`, and references into it are
 * accepted.
 */
export type ValueShape = UnknownShape | ScalarShape | ListShape | ObjectShape;

export interface UnknownShape {
  kind: "unknown";
}

/** A value with no fields: a string, number, boolean or null. */
export interface ScalarShape {
  kind: "scalar";
  /** For messages: "a string", "a number or null". */
  description: string;
  /** A clause saying where the shape comes from: `node "summary" has output text`. */
  origin: string;
}

export interface ListShape {
  kind: "list";
  items: ValueShape;
}

export interface ObjectShape {
  kind: "object";
  fields: ReadonlyMap<string, ValueShape>;
  /** True when fields beyond `fields` may be present, so a reference to one is accepted. */
  isOpen: boolean;
  /** The source of the field names, for messages: `the JSON schema of node "category"`. */
  origin: string;
  /** The term for a field in that source: "property" or "output". */
  fieldNoun: "property" | "output";
}

export const UNKNOWN: UnknownShape = { kind: "unknown" };

export function listOf(items: ValueShape): ListShape {
  return { kind: "list", items };
}

/** A reference that walks into a field the shape rules out. */
export type PathProblem =
  | {
      kind: "missing-field";
      /** The path segments walked before the missing one. */
      at: readonly string[];
      field: string;
      shape: ObjectShape;
    }
  | {
      kind: "no-fields";
      /** The path segments that lead to the scalar. */
      at: readonly string[];
      shape: ScalarShape;
    };

const INDEX_SEGMENT = /^[0-9]+$/;

/**
 * Walks `path` into `shape`. Returns the shape reached, or the first step
 * that the shape rules out. A list index walks into the list's items. Any
 * other step into a list is accepted, because arrays have own properties
 * such as `length` that a template may read.
 */
export function followPath(
  shape: ValueShape,
  path: readonly string[],
): { shape: ValueShape } | { problem: PathProblem } {
  let current = shape;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    switch (current.kind) {
      case "unknown":
        return { shape: UNKNOWN };
      case "scalar":
        return { problem: { kind: "no-fields", at: path.slice(0, i), shape: current } };
      case "list":
        if (!INDEX_SEGMENT.test(segment)) return { shape: UNKNOWN };
        current = current.items;
        break;
      case "object": {
        const field = current.fields.get(segment);
        if (field !== undefined) {
          current = field;
          break;
        }
        if (current.isOpen) return { shape: UNKNOWN };
        const problem: PathProblem = {
          kind: "missing-field",
          at: path.slice(0, i),
          field: segment,
          shape: current,
        };
        return { problem };
      }
    }
  }
  return { shape: current };
}

/** Returns the shape at `path`, or unknown when the path is ruled out. */
export function shapeAtPath(shape: ValueShape, path: readonly string[]): ValueShape {
  const result = followPath(shape, path);
  return "shape" in result ? result.shape : UNKNOWN;
}

/** Returns the shape of one element, when `shape` is a list. */
export function elementShape(shape: ValueShape): ValueShape {
  return shape.kind === "list" ? shape.items : UNKNOWN;
}
