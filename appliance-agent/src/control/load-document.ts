// Loading a whole document: JSON, then its policy (policy plane) and its `agent` section
// (settings.ts), with every problem of both reported at once under the document's source.

import type { CompiledPolicy } from "../policy/compile";
import { Problems } from "../policy/problems";
import { compilePolicy } from "../policy/schema";
import { AgentSettings, readAgentSection } from "./settings";
import { ValidationError } from "./validation-error";

/** A validated document: the compiled policy plus its agent section. */
export interface LoadedDocument {
  readonly policy: CompiledPolicy;
  readonly agent: Partial<AgentSettings>;
  /** The document text as loaded, for change detection and for passing to workers. */
  readonly text: string;
}

/** Parses and validates a whole document; throws ValidationError naming `source` and each field. */
export function loadDocument(text: string, source: string): LoadedDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(source, [`not valid JSON: ${(error as Error).message}`]);
  }
  const problems = new Problems();
  const agent = readAgentSection(doc, problems);
  const policy = compilePolicy(doc, problems);
  if (!problems.ok || policy === undefined) throw new ValidationError(source, problems.messages);
  return { policy, agent, text };
}
