/** Tags every child carries: its own name as `Name` (as the console shows the seed's resources) plus the user's tags. */
import { Tags } from "../args/common";

export function tagsFor(name: string, extra: Tags | undefined): Record<string, string> {
  return { ...(extra ?? {}), Name: name };
}
