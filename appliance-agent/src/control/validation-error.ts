// The one error for bad input (a document or command-line flags): it names the source and lists
// every problem the policy plane's Problems collected, and the command turns it into exit code 2.

/** Thrown (outside any data path) when a document or flag is invalid; `problems` lists each field. */
export class ValidationError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source} is invalid:\n  - ${problems.join("\n  - ")}`);
    this.name = "ValidationError";
  }
}
