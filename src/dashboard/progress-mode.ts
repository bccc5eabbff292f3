export const PROGRESS_MODES = ["plain", "bar", "dashboard", "none"] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];

export interface ChooseProgressModeOptions {
  /** `--progress` as given; `--no-dashboard` should pass "plain". */
  flag?: string;
  /** Whether the progress stream is a terminal. */
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
}

/**
 * Picks how progress is shown: the flag when given, otherwise the live
 * dashboard on an interactive terminal and one log line every few seconds
 * when the stream is not a terminal, CI is set or TERM is dumb.
 * Throws a RangeError naming the flag when its value is not a mode.
 */
export function chooseProgressMode(options: ChooseProgressModeOptions): ProgressMode {
  const { flag, isTTY, env } = options;
  if (flag !== undefined) {
    if (isProgressMode(flag)) return flag;
    throw new RangeError(
      `invalid --progress value "${flag}": expected one of ${PROGRESS_MODES.join(", ")}`,
    );
  }
  if (isSet(env["CI"]) || env["TERM"] === "dumb" || !isTTY) return "plain";
  return "dashboard";
}

export interface ColorOptions {
  /** Whether the progress stream is a terminal. */
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
  /** `--no-color` was given. */
  isColorDisabled?: boolean;
}

/**
 * Decides whether output may carry colour: never with --no-color or a
 * non-empty NO_COLOR (see no-color.org), always with FORCE_COLOR set to
 * anything but 0 or false, otherwise only on a terminal that is not dumb.
 */
export function isColorEnabled(options: ColorOptions): boolean {
  const { env } = options;
  if (options.isColorDisabled === true) return false;
  if (env["NO_COLOR"] !== undefined && env["NO_COLOR"] !== "") return false;
  const force = env["FORCE_COLOR"];
  if (force !== undefined) return force !== "0" && force !== "false";
  return options.isTTY && env["TERM"] !== "dumb";
}

function isProgressMode(value: string): value is ProgressMode {
  return (PROGRESS_MODES as readonly string[]).includes(value);
}

/** CI services set CI to "true" or "1"; "false" and "0" mean not in CI. */
function isSet(value: string | undefined): boolean {
  return value !== undefined && value !== "" && value !== "0" && value !== "false";
}
