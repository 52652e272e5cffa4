/**
 * Argument validation that runs before a component registers any child.
 *
 * Every check records a problem against the input's property path; at the end all problems are
 * thrown together as one `pulumi.InputPropertiesError`, so a user fixes a stack in one pass.
 */
import * as pulumi from "@pulumi/pulumi";
import { Ipv4Cidr, tryParseIpv4Cidr } from "../../common/cidr";

export class Problems {
  private readonly found: pulumi.InputPropertyErrorDetails[] = [];

  add(propertyPath: string, reason: string): void {
    this.found.push({ propertyPath, reason });
  }

  get list(): readonly pulumi.InputPropertyErrorDetails[] {
    return this.found;
  }

  get isEmpty(): boolean {
    return this.found.length === 0;
  }

  /** Appends another collector's problems with their paths prefixed (e.g. "spokes[1]."). */
  merge(other: Problems, prefix = ""): void {
    for (const p of other.list) this.add(prefix + p.propertyPath, p.reason);
  }

  /** Throws one InputPropertiesError naming every problem; returns normally when there are none. */
  throwIfAny(subject: string): void {
    if (this.isEmpty) return;
    const lines = this.found.map((p) => `  - ${p.propertyPath}: ${p.reason}`);
    throw new pulumi.InputPropertiesError({
      message: `${subject} has ${this.found.length} invalid argument${this.found.length === 1 ? "" : "s"}:\n${lines.join("\n")}`,
      errors: [...this.found],
    });
  }

  // ---- reusable checks; each returns the parsed value or undefined after recording a problem ----

  cidr(path: string, value: unknown): Ipv4Cidr | undefined {
    if (typeof value !== "string") {
      this.add(path, `must be an IPv4 CIDR string, got ${describeValue(value)}`);
      return undefined;
    }
    const parsed = tryParseIpv4Cidr(value);
    if (typeof parsed === "string") {
      this.add(path, parsed);
      return undefined;
    }
    return parsed;
  }

  integer(path: string, value: unknown, min: number, max: number): number | undefined {
    if (typeof value !== "number" || !Number.isInteger(value)) {
      this.add(path, `must be an integer from ${min} to ${max}, got ${describeValue(value)}`);
      return undefined;
    }
    if (value < min || value > max) {
      this.add(path, `must be from ${min} to ${max}, got ${value}`);
      return undefined;
    }
    return value;
  }

  oneOf<T extends string>(path: string, value: unknown, allowed: readonly T[]): T | undefined {
    if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
    this.add(path, `must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${describeValue(value)}`);
    return undefined;
  }

  boolean(path: string, value: unknown): boolean | undefined {
    if (typeof value === "boolean") return value;
    this.add(path, `must be true or false, got ${describeValue(value)}`);
    return undefined;
  }

  /** A boolean that may be left out, taking `fallback`. */
  optionalBoolean(path: string, value: unknown, fallback: boolean): boolean | undefined {
    return value === undefined ? fallback : this.boolean(path, value);
  }

  /** Any integer; the caller checks the range, to word its own message. */
  wholeNumber(path: string, value: unknown): number | undefined {
    if (typeof value === "number" && Number.isInteger(value)) return value;
    this.add(path, `must be a whole number, got ${describeValue(value)}`);
    return undefined;
  }
}

/** A short rendering of a bad value for an error message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") return `"${value}"`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "object") return pulumi.Output.isInstance(value) ? "an Output (a plain value is needed at preview time)" : "an object";
  return String(value);
}
