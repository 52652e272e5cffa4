/**
 * Reads a stack's configuration the way the Pulumi CLI would hand it to the program: the defaults of
 * Pulumi.yaml's `config:` block, then Pulumi.<stack>.yaml, then explicit overrides.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export interface LoadedStackConfig {
  readonly project: string;
  /** Namespaced key ("project:key", "aws:region") -> value as Pulumi passes it (strings; JSON for the rest). */
  readonly values: Record<string, string>;
}

function serialize(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function readYaml(file: string): Record<string, unknown> {
  const parsed: unknown = parse(fs.readFileSync(file, "utf8"));
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== "object" || Array.isArray(parsed)) throw new Error(`${file} must hold a YAML mapping`);
  return parsed as Record<string, unknown>;
}

/**
 * @param overrides keys with or without a namespace ("eastWest" means "<project>:eastWest"); values
 *   as they would be set with `pulumi config set --path` (strings, numbers, booleans, lists, objects).
 */
export function loadStackConfig(projectDir: string, stack: string, overrides: Record<string, unknown> = {}): LoadedStackConfig {
  const project = readYaml(path.join(projectDir, "Pulumi.yaml"));
  const projectName = project.name;
  if (typeof projectName !== "string") throw new Error("Pulumi.yaml has no project name");
  const namespaced = (key: string) => (key.includes(":") ? key : `${projectName}:${key}`);

  const values: Record<string, string> = {};
  const declared = (project.config ?? {}) as Record<string, unknown>;
  for (const [key, spec] of Object.entries(declared)) {
    const isSpec = typeof spec === "object" && spec !== null && !Array.isArray(spec) && ("default" in spec || "value" in spec || "type" in spec);
    const value = isSpec ? ((spec as { value?: unknown; default?: unknown }).value ?? (spec as { default?: unknown }).default) : spec;
    if (value !== undefined) values[namespaced(key)] = serialize(value);
  }

  const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(stackFile)) throw new Error(`stack "${stack}" has no ${path.basename(stackFile)} in ${projectDir}`);
  const stackConfig = (readYaml(stackFile).config ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(stackConfig)) {
    if (typeof value === "object" && value !== null && "secure" in value) {
      throw new Error(`${path.basename(stackFile)}: ${key} is a secret; the offline synthesizer cannot decrypt it (override it with --set)`);
    }
    values[namespaced(key)] = serialize(value);
  }
  for (const [key, value] of Object.entries(overrides)) values[namespaced(key)] = serialize(value);
  return { project: projectName, values };
}
