/**
 * Availability zones: checking a list, and the short names children are named by. AZ names map to
 * physical zones differently per account, so every plan is keyed by AZ and no route crosses AZs.
 */
import { AZ_ID_PATTERN, AZ_NAME_PATTERN } from "./awsLimits";
import { Problems, describeValue } from "./problems";

/** The AZ letter's place in the alphabet: "ap-northeast-2c" -> 3. */
export function azLetterIndex(availabilityZone: string): number {
  return availabilityZone.charCodeAt(availabilityZone.length - 1) - 96;
}

/** "ap-northeast-2a" -> "2a": the short form used in child resource names, as the seed does. */
export function azSuffix(availabilityZone: string): string {
  const match = /(\d+[a-z])$/.exec(availabilityZone);
  return match ? match[1] : availabilityZone;
}

/** Checks an AZ list: a non-empty array of distinct, well-formed names with distinct short forms. */
export function checkAvailabilityZones(problems: Problems, path: string, value: unknown): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    problems.add(path, `must list at least one availability zone, got ${describeValue(value)}`);
    return undefined;
  }
  let ok = true;
  const seen = new Map<string, string>();
  value.forEach((az: unknown, i) => {
    if (typeof az !== "string" || !AZ_NAME_PATTERN.test(az)) {
      problems.add(`${path}[${i}]`, `must be an availability zone name such as "ap-northeast-2a" (letters a-i), got ${describeValue(az)}`);
      ok = false;
      return;
    }
    const suffix = azSuffix(az);
    const previous = seen.get(suffix);
    if (previous !== undefined) {
      problems.add(`${path}[${i}]`, previous === az ? `"${az}" is listed twice` : `"${az}" and "${previous}" share the short name "${suffix}"`);
      ok = false;
    }
    seen.set(suffix, az);
  });
  return ok ? (value as string[]) : undefined;
}

/** Reports AZs of `subset` that `superset` lacks, e.g. spoke AZs the hub does not serve. */
export function checkAzSubset(problems: Problems, path: string, subset: readonly string[], superset: readonly string[], supersetLabel: string): void {
  const missing = subset.filter((az) => !superset.includes(az));
  if (missing.length > 0) {
    problems.add(path, `${missing.map((az) => `"${az}"`).join(", ")} not served by ${supersetLabel} (${superset.join(", ")}); every AZ must exist in both so no flow crosses AZs`);
  }
}

/** Checks a list of AZ ids, one per AZ name of `names` when given. */
export function checkAvailabilityZoneIds(problems: Problems, path: string, value: unknown, names?: readonly string[]): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0 || (names !== undefined && value.length !== names.length)) {
    problems.add(path, `must list ${names ? `one availability zone id per availability zone (${names.length})` : "at least one availability zone id"}, got ${describeValue(value)}`);
    return undefined;
  }
  let ok = true;
  value.forEach((id: unknown, i) => {
    if (typeof id !== "string" || !AZ_ID_PATTERN.test(id)) {
      problems.add(`${path}[${i}]`, `must be an availability zone id such as "apne2-az1", got ${describeValue(id)}`);
      ok = false;
    } else if (value.indexOf(id) !== i) {
      problems.add(`${path}[${i}]`, `"${id}" is listed twice`);
      ok = false;
    }
  });
  return ok ? (value as string[]) : undefined;
}
