/** Argument types every component shares. Types and option lists only: no logic, no imports. */

/** Tags for every child; each child also gets its own name as `Name`. */
export type Tags = Readonly<Record<string, string>>;

export const ARCHITECTURES = ["x86_64", "arm64"] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

/** role -> AZ -> CIDR text: the subnets a component plans, one per role per AZ. */
export type SubnetPlan<R extends string> = Record<R, Record<string, string>>;
