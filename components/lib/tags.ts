/** Tags every child carries: its own name as `Name` (as the console shows the seed's resources) plus the user's tags. */
export type Tags = Readonly<Record<string, string>>;

export function tagsFor(name: string, extra: Tags | undefined): Record<string, string> {
  return { ...(extra ?? {}), Name: name };
}
