/**
 * The architecture, checked from the imports: each folder may import only the folders its role
 * allows (README, "Repository layout"), so the tree drawn from the imports is the documented one.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");

/** Folder (relative to the root) -> the folders and packages its files may import. */
const ALLOWED: ReadonlyArray<{ folder: string; mayImport: readonly string[] }> = [
  { folder: "common", mayImport: ["common"] },
  // The fleet's policy input is the agent's own document type, checked by the agent's own validator.
  { folder: "components/args", mayImport: ["components/args", "appliance-agent/src/policy/document.ts", "@pulumi/pulumi"] },
  { folder: "components/rules", mayImport: ["components/rules", "components/args", "appliance-agent/src/policy", "common", "@pulumi/pulumi"] },
  { folder: "components/shared", mayImport: ["components/shared", "components/args", "common", "@pulumi/pulumi", "@pulumi/aws"] },
  ...["inspectionVpc", "gwlbApplianceFleet", "centralEgress"].map((c) => ({
    folder: `components/${c}`,
    mayImport: [`components/${c}`, "components/args", "components/rules", "components/shared", "common", "@pulumi/pulumi", "@pulumi/aws"],
  })),
  // A spoke attaches to a hub: the one component that knows another.
  {
    folder: "components/appSpoke",
    mayImport: ["components/appSpoke", "components/centralEgress", "components/args", "components/rules", "components/shared", "common", "@pulumi/pulumi", "@pulumi/aws"],
  },
  { folder: "program", mayImport: ["program", "components/index.ts", "common", "@pulumi/pulumi"] },
  // The offline job runs the program by path; its model, tracer and checks stay pure over a plain
  // resource graph (no Pulumi), so they read a stack export as well as a synthesized stack.
  {
    folder: "offline",
    mayImport: ["offline", "index.ts", "program", "common", "appliance-agent/build.ts", "appliance-agent/sim", "@pulumi/pulumi", "yaml", "@viz-js/viz", "@resvg/resvg-js"],
  },
  ...["offline/model", "offline/trace", "offline/check"].map((folder) => ({ folder, mayImport: ["offline/model", "offline/trace", "offline/check", "common"] })),
  { folder: "offline/render", mayImport: ["offline/render", "offline/model", "offline/trace", "offline/check", "offline/report", "common", "@viz-js/viz", "@resvg/resvg-js"] },
  { folder: "offline/datapath", mayImport: ["offline/datapath", "offline/model", "offline/trace", "offline/render", "common", "appliance-agent/build.ts", "appliance-agent/sim"] },
  // The agent is bundled alone: besides Node.js it may use only the shared contract and CIDR library
  // (and the SSM client it bundles); its planes' own rules are in tests/agent/layout.test.ts.
  { folder: "appliance-agent/src", mayImport: ["appliance-agent/src", "common", "@aws-sdk/client-ssm"] },
];

/** Every import specifier of a TypeScript file, static and dynamic. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  const specifiers: string[] = [];
  for (const match of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gm)) specifiers.push(match[1]);
  for (const match of text.matchAll(/\b(?:require|import)\(\s*"([^"]+)"\s*\)/g)) specifiers.push(match[1]);
  return specifiers;
}

function filesUnder(folder: string): string[] {
  const dir = path.join(ROOT, folder);
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => path.join(e.parentPath, e.name));
}

/** What an import names: a package, or a repository path relative to the root. */
function target(file: string, specifier: string): string {
  if (specifier.startsWith("node:")) return "node:";
  if (!specifier.startsWith(".")) return specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0];
  const resolved = path.relative(ROOT, path.resolve(path.dirname(file), specifier));
  if (fs.existsSync(path.join(ROOT, `${resolved}.ts`))) return `${resolved}.ts`;
  return fs.existsSync(path.join(ROOT, resolved, "index.ts")) ? `${resolved}/index.ts` : resolved;
}

function allowed(importTarget: string, mayImport: readonly string[]): boolean {
  return importTarget === "node:" || mayImport.some((m) => importTarget === m || importTarget.startsWith(`${m}/`));
}

describe("the layout, from the imports", () => {
  for (const { folder, mayImport } of ALLOWED) {
    it(`${folder}/ imports only ${mayImport.join(", ")}`, () => {
      const violations = filesUnder(folder).flatMap((file) =>
        importsOf(file).map((s) => target(file, s)).filter((t) => !allowed(t, mayImport)).map((t) => `${path.relative(ROOT, file)} -> ${t}`));
      assert.deepEqual(violations, []);
    });
  }

  it("keeps every component file but the public entry point inside a folder of the layout", () => {
    const loose = fs.readdirSync(path.join(ROOT, "components"), { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
    assert.deepEqual(loose, ["index.ts"]);
  });
});
