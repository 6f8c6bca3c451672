/**
 * Whether logs are pretty-printed: the setting when one is given, else pretty on a terminal.
 * A person watching a terminal reads lines; a pipe (a supervisor, a log shipper, a test) parses JSON.
 */
export function prettyLogsFor(
  setting: boolean | undefined,
  stdout: { isTTY?: boolean } = process.stdout,
): boolean {
  return setting ?? stdout.isTTY === true;
}
