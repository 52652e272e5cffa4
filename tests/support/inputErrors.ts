/** Helpers for asserting a component's (or the stack's) argument errors. */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";

/** The problems `build` reports; fails unless it throws one InputPropertiesError (whose message matches `subject`). */
export function problemsOf(build: () => unknown, subject?: RegExp): pulumi.InputPropertyErrorDetails[] {
  try {
    build();
  } catch (err) {
    assert.ok(pulumi.InputPropertiesError.isInstance(err), `expected an InputPropertiesError, got ${String(err)}`);
    if (subject) assert.match(err.message, subject);
    return err.errors;
  }
  assert.fail("expected the constructor to throw");
}

/** The same for an asynchronous build such as a whole-stack synthesis. */
export async function problemsOfAsync(build: () => Promise<unknown>): Promise<pulumi.InputPropertyErrorDetails[]> {
  try {
    await build();
  } catch (err) {
    assert.ok(pulumi.InputPropertiesError.isInstance(err), `expected an InputPropertiesError, got ${String(err)}`);
    return err.errors;
  }
  assert.fail("expected the build to be rejected");
}
