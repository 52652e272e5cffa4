// Command-line options of the benchmark's small tools (`npm run bench` has its own parser, options.ts).

/** The positive integer after `name` in process.argv, or `fallback` when the option is absent. */
export function positiveIntegerOption(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}: expected a positive integer, got ${JSON.stringify(process.argv[at + 1])}`);
  return value;
}
