// Bounds on a policy document, checked before anything else reads it: a hostile document must be
// refused with a message, not exhaust the stack (deep nesting) or make every new flow slow (rules
// are matched in order, once per new flow).

/** The most rules a policy may hold. */
export const MAX_RULES = 10_000;

/** The deepest a document may nest arrays and objects (a valid one nests 5). */
export const MAX_NESTING = 32;

/** True when `value` nests deeper than `limit`; iterative, so a hostile depth cannot overflow the stack. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== "object" || item === null) continue;
    if (depth >= limit) return true;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}
