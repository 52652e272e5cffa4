/**
 * The tracer's input: a plain resource graph (type, name, id, inputs, outputs, parent), the shape
 * both a synthesized stack and a `pulumi stack export` document reduce to. No Pulumi import here.
 */

/** A JSON object as a resource's inputs or outputs hold it. */
export type Properties = Readonly<Record<string, unknown>>;

export interface GraphResource {
  readonly urn: string;
  /** Pulumi type token, e.g. "aws:ec2/route:Route". */
  readonly type: string;
  /** Display name: the `Name` tag when there is one, else the URN's resource name. */
  readonly name: string;
  /** Provider id ("" for components). */
  readonly id: string;
  readonly inputs: Properties;
  readonly outputs: Properties;
  /** URN of the parent ("" for none). */
  readonly parent: string;
}

export interface ResourceGraph {
  readonly resources: readonly GraphResource[];
}

/** The last segment of a URN (urn:pulumi:stack::project::type$type::name). */
export function urnName(urn: string): string {
  const at = urn.lastIndexOf("::");
  return at < 0 ? urn : urn.slice(at + 2);
}

/** The `Name` tag, the way the console names the seed's resources, else the fallback. */
export function displayName(inputs: Properties, outputs: Properties, fallback: string): string {
  for (const source of [inputs, outputs]) {
    const tags = source.tags;
    if (typeof tags === "object" && tags !== null && typeof (tags as Record<string, unknown>).Name === "string") {
      return (tags as Record<string, string>).Name;
    }
  }
  return fallback;
}

/** Builds a graph from records of the mock runtime (or anything with the same fields). */
export function graphFromRecords(
  records: ReadonlyArray<{ type: string; name: string; id: string; urn: string; parentUrn: string; inputs: Properties; outputs?: Properties }>,
): ResourceGraph {
  return {
    resources: records.map((r) => ({
      urn: r.urn,
      type: r.type,
      name: displayName(r.inputs, r.outputs ?? {}, r.name),
      id: r.id,
      inputs: r.inputs,
      outputs: r.outputs ?? {},
      parent: r.parentUrn,
    })),
  };
}
