/**
 * `pulumi stack export` documents (version 3) in and out: reading one into a resource graph, so a
 * real deployment can be traced, and writing one from recorded resources, so tests can feed the
 * reader a document built from a synthesized stack.
 */
import { GraphResource, Properties, ResourceGraph, displayName, urnName } from "./resourceGraph";

/** Pulumi's marker for a secret value inside state. */
const SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d";

export interface ExportedResource {
  urn: string;
  custom?: boolean;
  type: string;
  id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  parent?: string;
  dependencies?: string[];
}

export interface StackExport {
  version: 3;
  deployment: { manifest?: Record<string, unknown>; resources: ExportedResource[] };
}

/** Secrets in plaintext are unwrapped; encrypted ones become undefined (the tracer needs none). */
function revealSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revealSecrets);
  if (typeof value !== "object" || value === null) return value;
  const record = value as Record<string, unknown>;
  if (record[SECRET_SIGNATURE] !== undefined) {
    return typeof record.plaintext === "string" ? revealSecrets(JSON.parse(record.plaintext)) : undefined;
  }
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, revealSecrets(v)]));
}

/** Parses and checks an export document; every error names `source` and the field at fault. */
export function readStackExport(text: string, source: string): ResourceGraph {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source}: not JSON (${err instanceof Error ? err.message : String(err)}); expected the output of \`pulumi stack export\``);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new Error(`${source}: expected a JSON object with "version" and "deployment"`);
  const { version, deployment } = doc as { version?: unknown; deployment?: unknown };
  if (version !== 3) throw new Error(`${source}: version is ${JSON.stringify(version)}; only version 3 exports (\`pulumi stack export\`) are read`);
  const resources = (deployment as { resources?: unknown } | undefined)?.resources;
  if (!Array.isArray(resources)) throw new Error(`${source}: deployment.resources must be an array`);
  const out: GraphResource[] = resources.map((raw: unknown, i: number) => {
    const where = `${source}: deployment.resources[${i}]`;
    if (typeof raw !== "object" || raw === null) throw new Error(`${where} is not an object`);
    const r = raw as Record<string, unknown>;
    if (typeof r.urn !== "string" || r.urn === "") throw new Error(`${where}.urn must be a non-empty string`);
    if (typeof r.type !== "string" || r.type === "") throw new Error(`${where}.type must be a non-empty string (${r.urn})`);
    for (const field of ["inputs", "outputs"] as const) {
      if (r[field] !== undefined && (typeof r[field] !== "object" || r[field] === null || Array.isArray(r[field]))) {
        throw new Error(`${where}.${field} must be an object (${r.urn})`);
      }
    }
    const inputs = (revealSecrets(r.inputs ?? {}) ?? {}) as Properties;
    const outputs = (revealSecrets(r.outputs ?? {}) ?? {}) as Properties;
    return {
      urn: r.urn,
      type: r.type,
      name: displayName(inputs, outputs, urnName(r.urn)),
      id: typeof r.id === "string" ? r.id : "",
      inputs,
      outputs,
      parent: typeof r.parent === "string" ? r.parent : "",
    };
  });
  return { resources: out };
}

/** What an export needs of a recorded resource. */
export interface ExportableRecord {
  readonly urn: string;
  readonly type: string;
  readonly id: string;
  readonly inputs: Properties;
  readonly outputs?: Properties;
  readonly parentUrn: string;
  readonly dependencies: readonly string[];
}

/** An export document as `pulumi stack export` would write it after `pulumi up` of these resources. */
export function toStackExport(records: readonly ExportableRecord[]): StackExport {
  return {
    version: 3,
    deployment: {
      manifest: { time: "2026-01-01T00:00:00Z", magic: "offline", version: "v3" },
      resources: records.map((r) => ({
        urn: r.urn,
        custom: r.id !== "",
        type: r.type,
        ...(r.id !== "" ? { id: r.id } : {}),
        inputs: { ...r.inputs },
        outputs: { ...(r.outputs ?? r.inputs) },
        ...(r.parentUrn !== "" ? { parent: r.parentUrn } : {}),
        dependencies: [...r.dependencies],
      })),
    },
  };
}
