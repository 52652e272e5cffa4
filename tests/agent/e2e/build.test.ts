// The bundle: one self-contained file, byte-identical across builds (its hash names the artifact).
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import * as path from "node:path";
import { buildAgentBundle, REPO_ROOT } from "../../../appliance-agent/build";
import { agentBundle, scratchDir } from "../support/agent-process";

describe("agent: bundle build", function () {
  this.timeout(60000);

  it("is deterministic and self-contained", async () => {
    const first = await agentBundle();
    const second = await buildAgentBundle(path.join(scratchDir(), "again", "appliance-agent.js"));
    const a = readFileSync(first);
    const b = readFileSync(second.outfile);
    assert.equal(a.length, second.bytes);
    assert.ok(a.equals(b), "two builds differ");
    const text = a.toString("utf8");
    assert.ok(text.startsWith("#!/usr/bin/env node\n"));
    assert.equal(text.includes(REPO_ROOT), false, "the bundle embeds the build machine's path");
    // Only Node.js built-ins are required at run time (the SDK's error texts quote a require in brackets).
    const required = new Set([...text.matchAll(/(?<![[\w.])require\("([^"]+)"\)/g)].map((m) => m[1]));
    const external = [...required].filter((name) => !name.startsWith("node:") && !builtinModules.includes(name));
    assert.deepEqual(external, []);
    assert.ok(required.has("node:dgram") && required.has("node:cluster"));
  });
});
