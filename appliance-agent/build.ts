// Bundles the agent into one file, dist/appliance-agent.js, for Node.js 24 (the appliances' runtime)
// that still runs on Node.js >= 20 (developer machines and CI).
// Deterministic: same sources and lockfile -> same bytes (no timestamps, paths relative to
// the repository root whatever the working directory), so a content hash can name the
// artifact that GwlbApplianceFleet ships through SSM.
//
//   npm run agent:build                      -> dist/appliance-agent.js
//   npm run agent:build -- --outfile <path>  -> elsewhere (tests build into a temp dir)

import * as path from "node:path";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { build, BuildOptions } from "esbuild";

export const REPO_ROOT = path.resolve(__dirname, "..");
export const DEFAULT_OUTFILE = path.join(REPO_ROOT, "dist", "appliance-agent.js");

export function bundleOptions(outfile: string = DEFAULT_OUTFILE): BuildOptions {
  return {
    absWorkingDir: REPO_ROOT,
    entryPoints: [path.join("appliance-agent", "src", "cli", "main.ts")],
    outfile,
    bundle: true,
    platform: "node",
    // Node.js 24 is the target; listing node20 too keeps esbuild lowering any syntax Node.js 20 lacks.
    target: ["node24", "node20"],
    format: "cjs",
    // Everything, the AWS SDK included, is inlined: no node_modules on the appliance.
    packages: "bundle",
    minifySyntax: true,
    minifyWhitespace: true,
    keepNames: true,
    legalComments: "none",
    sourcemap: false,
    charset: "utf8",
    logLevel: "warning",
    metafile: false,
  };
}

/** Builds the bundle; resolves with its path and SHA-256. */
export async function buildAgentBundle(outfile: string = DEFAULT_OUTFILE): Promise<{ outfile: string; sha256: string; bytes: number }> {
  await build(bundleOptions(outfile));
  const content = readFileSync(outfile);
  return { outfile, sha256: createHash("sha256").update(content).digest("hex"), bytes: content.length };
}

if (require.main === module) {
  const at = process.argv.indexOf("--outfile");
  const outfile = at >= 0 && process.argv[at + 1] !== undefined ? path.resolve(process.argv[at + 1]) : DEFAULT_OUTFILE;
  buildAgentBundle(outfile).then(
    (result) => process.stdout.write(`${path.relative(process.cwd(), result.outfile)} ${result.bytes} bytes sha256 ${result.sha256}\n`),
    (error: unknown) => {
      process.stderr.write(`agent build failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
}
