import { isPair, isScalar, visit, type visitorFn } from "yaml";
import type { ConfigIssue } from "./errors.js";
import { locateOffset, type YamlSource } from "./yaml-source.js";

// ${NAME} or ${NAME:-default}; "$${" is a literal "${".
const REFERENCE = /\$\$\{|\$\{([^}]*)\}/g;
const VALID_REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(:-(.*))?$/s;


export interface InterpolateOptions {
  /**
   * Values of these keys whose variables are unset become empty strings
   * instead of errors: a dry run reads the file without calling anyone,
   * so it needs no API key.
   */
  optionalKeys?: ReadonlySet<string>;
}

/**
 * Replaces `${NAME}` and `${NAME:-default}` in every string value of the
 * document with values from `env`, in place. As in the shell, the default
 * applies when the variable is unset or empty. Map keys are left alone.
 * Values stay strings; number fields accept numeric strings for this reason.
 */
export function interpolateEnv(
  source: YamlSource,
  env: NodeJS.ProcessEnv,
  issues: ConfigIssue[],
  options: InterpolateOptions = {},
): void {
  visit(source.doc, {
    Scalar(key, node, path) {
      if (key === "key" || typeof node.value !== "string") return;
      const isOptional = options.optionalKeys?.has(parentKeyOf(path) ?? "") ?? false;
      if (!node.value.includes("${")) return;
      const offset = node.range?.[0] ?? 0;
      const raw = source.text.slice(offset, node.range?.[1] ?? offset);
      const replaced = node.value.replace(REFERENCE, (match, body: string | undefined) => {
        if (match === "$${") return "${";
        const where = locateOffset(source, offset + Math.max(0, raw.indexOf(match)));
        const parsed = VALID_REFERENCE.exec(body ?? "");
        if (!parsed) {
          issues.push({
            ...where,
            message:
              `${match} is not a valid variable reference. ` +
              "Write ${NAME} or ${NAME:-default}, or $${ for a literal ${.",
          });
          return match;
        }
        const name = parsed[1]!;
        const value = env[name];
        const hasDefault = parsed[2] !== undefined;
        if (hasDefault) return value === undefined || value === "" ? parsed[3]! : value;
        if (value !== undefined) return value;
        if (isOptional) return "";
        issues.push({
          ...where,
          message:
            `environment variable ${name} is not set. ` +
            (/(KEY|TOKEN|SECRET)/.test(name)
              ? `Export it first (export ${name}=...); plait reads keys only from the environment.`
              : `Set ${name}, or write \${${name}:-default} to give a default.`),
        });
        return match;
      });
      node.value = replaced;
    },
  });
}

/** Returns the key of the map entry that contains the visited value, if any. */
function parentKeyOf(path: Parameters<visitorFn<unknown>>[2]): string | undefined {
  const parent = path[path.length - 1];
  if (!isPair(parent) || !isScalar(parent.key)) return undefined;
  return typeof parent.key.value === "string" ? parent.key.value : undefined;
}
