export type IssueSeverity = 'error' | 'warning';

/** One problem in a layout file: where (`units[1].levels[2].slots`), what, and how bad. */
export interface LayoutIssue {
  path: string;
  message: string;
  severity: IssueSeverity;
  /** 1-based line in the file, when the problem can be tied to one. */
  line?: number;
}

export const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    return text ? `${text}.${String(key)}` : String(key);
  }, '');

export function formatIssue(source: string, issue: LayoutIssue): string {
  const where = issue.line ? `${source}:${issue.line}` : source;
  const tag = issue.severity === 'warning' ? 'warning: ' : '';
  return `${where}: ${tag}${issue.path ? `${issue.path}: ` : ''}${issue.message}`;
}

/** A layout that cannot be used; the message lists every error, one per line. */
export class LayoutError extends Error {
  override readonly name = 'LayoutError';
  constructor(
    readonly source: string,
    readonly issues: LayoutIssue[],
  ) {
    const errors = issues.filter((i) => i.severity === 'error');
    super(
      `${source}: room layout has ${errors.length} error${errors.length === 1 ? '' : 's'}\n${errors.map((i) => `  ${formatIssue(source, i)}`).join('\n')}`,
    );
  }
}
