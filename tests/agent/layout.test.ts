// The agent's planes, as its imports draw them: cli -> control -> {dataplane, policy}, the data
// plane reaching the policy plane only for its compiled form, every plane free to use shared/
// and the repository's common/, and no import cycle between any two files.
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../../appliance-agent/build";

const SRC = path.join(REPO_ROOT, "appliance-agent", "src");
const COMMON = path.join(REPO_ROOT, "common");

/** Which files of other planes (or "*" for any) each plane may import. */
const MAY_IMPORT: Record<string, Record<string, string[] | "*">> = {
  cli: { cli: "*", control: "*", shared: "*" },
  control: { control: "*", dataplane: "*", policy: "*", shared: "*" },
  dataplane: { dataplane: "*", policy: ["compile.ts"], shared: "*" },
  policy: { policy: "*", shared: "*" },
  shared: { shared: "*" },
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(path.join(dir, entry.name)) : entry.name.endsWith(".ts") ? [path.join(dir, entry.name)] : [],
  );
}

/** Relative imports of a file (static, type-only and dynamic), resolved to .ts paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers = [...text.matchAll(/(?:\bfrom|\bimport\(?)\s*"(\.[^"]+)"/g)].map((m) => m[1]);
  return specifiers.map((specifier) => path.resolve(path.dirname(file), specifier) + ".ts");
}

const files = sourceFiles(SRC);
const graph = new Map(files.map((file) => [file, importsOf(file)]));
const planeOf = (file: string): string => path.relative(SRC, file).split(path.sep)[0];

describe("agent: layout", () => {
  it("has every source file in one of the planes", () => {
    assert.deepEqual([...new Set(files.map(planeOf))].sort(), Object.keys(MAY_IMPORT).sort());
  });

  it("imports only downwards between planes", () => {
    const violations: string[] = [];
    for (const [file, imports] of graph) {
      const allowed = MAY_IMPORT[planeOf(file)];
      for (const target of imports) {
        if (target.startsWith(COMMON + path.sep)) continue;
        const rule = target.startsWith(SRC + path.sep) ? allowed[planeOf(target)] : undefined;
        if (rule === "*" || rule?.includes(path.basename(target))) continue;
        violations.push(`${path.relative(REPO_ROOT, file)} -> ${path.relative(REPO_ROOT, target)}`);
      }
    }
    assert.deepEqual(violations, []);
  });

  it("has no import cycle", () => {
    const state = new Map<string, "open" | "done">();
    const cycles: string[] = [];
    const visit = (file: string, trail: string[]): void => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "open") {
        cycles.push([...trail.slice(trail.indexOf(file)), file].map((f) => path.relative(SRC, f)).join(" -> "));
        return;
      }
      state.set(file, "open");
      for (const target of graph.get(file) ?? []) if (graph.has(target)) visit(target, [...trail, file]);
      state.set(file, "done");
    };
    for (const file of files) visit(file, []);
    assert.deepEqual(cycles, []);
  });
});
