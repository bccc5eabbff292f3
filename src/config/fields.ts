import { z } from "zod";

/*
 * Zod schemas for single values. Each check carries the expectation as its
 * error text, which checkShape turns into "<key> must be <expectation>,
 * received <value>".
 */

const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/**
 * Reads a numeric string as a number, because `${VAR}` substitution always
 * yields strings: `max_concurrent: "${MAX:-20}"` means 20.
 */
function numeric<T extends z.ZodType>(schema: T) {
  return z.preprocess(
    (value) => (typeof value === "string" && NUMBER.test(value) ? Number(value) : value),
    schema,
  );
}

export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER) {
  const error =
    max === Number.MAX_SAFE_INTEGER
      ? `a whole number of at least ${min}`
      : `a whole number from ${min} to ${max}`;
  return numeric(z.number({ error }).int({ error }).min(min, { error }).max(max, { error }));
}

export function positiveNumber(max = Number.MAX_VALUE) {
  const error =
    max === Number.MAX_VALUE ? "a number greater than 0" : `a number greater than 0, at most ${max}`;
  return numeric(z.number({ error }).gt(0, { error }).max(max, { error }));
}

export function nonNegativeNumber(max = Number.MAX_VALUE) {
  const error = max === Number.MAX_VALUE ? "a number of at least 0" : `a number from 0 to ${max}`;
  return numeric(z.number({ error }).min(0, { error }).max(max, { error }));
}

export function fraction() {
  const error = "a number from 0 to 1";
  return numeric(z.number({ error }).min(0, { error }).max(1, { error }));
}

/** A string that is not empty; `description` names its content in messages. */
export function text(description: string) {
  const error = `a string (${description})`;
  return z.string({ error }).min(1, { error });
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `one of ${values.join(", ")}` });
}
