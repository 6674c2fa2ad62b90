// How every command prints: `--json` gives one JSON object on stdout for scripts, otherwise
// a human-readable text from the command's own formatter.
export interface OutputOptions {
  json?: boolean;
}

export function printResult<T>(result: T, opts: OutputOptions, human: (r: T) => string): void {
  if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`${human(result)}\n`);
}

/** A plain text table with padded columns. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}
