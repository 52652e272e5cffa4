/**
 * The agent bundle the fleet ships: a given file, or the one this package carries
 * (`dist/appliance-agent.js`, built by `npm run agent:build`). Read once at deploy time, so its
 * SHA-256 names the S3 object and is checked again on every appliance before it runs.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Problems } from "../rules/problems";

export interface AgentBundle {
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
}

const PACKAGE_NAME = "gwlb-inspection";
const SHIPPED_BUNDLE = path.join("dist", "appliance-agent.js");

/** This package's root: the nearest folder above this file whose package.json is ours (source or installed). */
function packageRoot(): string | undefined {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string }).name === PACKAGE_NAME) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The bundle's path, hash and size, or a problem under `agent.bundlePath` when it cannot be read. */
export function readAgentBundle(problems: Problems, given: string | undefined): AgentBundle | undefined {
  const root = packageRoot();
  const file = given !== undefined ? path.resolve(given) : root !== undefined ? path.join(root, SHIPPED_BUNDLE) : undefined;
  if (file === undefined || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    problems.add(
      "agent.bundlePath",
      given !== undefined
        ? `${file} is not a file`
        : `the agent bundle this package ships (${root !== undefined ? path.join(root, SHIPPED_BUNDLE) : SHIPPED_BUNDLE}) is missing: run \`npm run agent:build\` (npm install does it) or give agent.bundlePath`,
    );
    return undefined;
  }
  const content = fs.readFileSync(file);
  return { path: file, sha256: createHash("sha256").update(content).digest("hex"), bytes: content.length };
}
