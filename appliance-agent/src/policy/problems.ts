// Small helpers for validating JSON documents with errors that name the offending field,
// e.g. `rules[2].destination.cidr: "10.0.0.0/33" is not a valid CIDR`.

/** Collects "path: message" errors while a document is walked. */
export class Problems {
  readonly messages: string[] = [];
  /** The same problems with the path apart, for callers that report under paths of their own. */
  readonly entries: Array<{ readonly path: string; readonly message: string }> = [];

  add(path: string, message: string): void {
    this.messages.push(path === "" ? message : `${path}: ${message}`);
    this.entries.push({ path, message });
  }

  get ok(): boolean {
    return this.messages.length === 0;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function joinPath(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  return base === "" ? key : `${base}.${key}`;
}

/** Reports keys that are not in `allowed` (typos must not silently weaken a policy). */
export function rejectUnknownKeys(
  record: Record<string, unknown>,
  allowed: readonly string[],
  path: string,
  problems: Problems,
): void {
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) {
      problems.add(joinPath(path, key), `unknown field (allowed: ${allowed.join(", ")})`);
    }
  }
}
