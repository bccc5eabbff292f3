/** One problem found in a configuration or pipeline file. */
export interface ConfigIssue {
  file: string;
  /** Line from 1; 0 when the problem concerns the file as a whole. */
  line: number;
  /** Column from 1; 0 when the problem concerns the file as a whole. */
  column: number;
  /** Dotted path of the YAML key involved, when there is one. */
  key?: string;
  /** The expectation, the value received and the fix. */
  message: string;
}

/**
 * Every problem found while loading a resource or pipeline file. The message
 * lists them one a line as `file:line:column: message`, which is what the CLI
 * prints.
 */
export class ConfigError extends Error {
  override name = "ConfigError";
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join("\n"));
    this.issues = issues;
  }
}

export function formatIssue(issue: ConfigIssue): string {
  if (issue.line === 0) return `${issue.file}: ${issue.message}`;
  return `${issue.file}:${issue.line}:${issue.column}: ${issue.message}`;
}

/** Throws a ConfigError when any issue was collected, sorted by place. */
export function throwIfIssues(issues: ConfigIssue[]): void {
  if (issues.length === 0) return;
  const fileOrder = new Map<string, number>();
  for (const issue of issues) {
    if (!fileOrder.has(issue.file)) fileOrder.set(issue.file, fileOrder.size);
  }
  const sorted = [...issues].sort(
    (a, b) =>
      fileOrder.get(a.file)! - fileOrder.get(b.file)! ||
      a.line - b.line ||
      a.column - b.column,
  );
  throw new ConfigError(sorted);
}
