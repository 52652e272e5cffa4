// Policy sources and the reload rule, without AWS: a stand-in SSM client records its commands.
import { strict as assert } from "node:assert";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { PolicyManager } from "../../../appliance-agent/src/control/policy-manager";
import { FilePolicySource, SsmLikeClient, SsmPolicySource } from "../../../appliance-agent/src/control/policy-source";

const ALLOW = JSON.stringify({ defaultAction: "allow", failMode: "open", rules: [] });
const DENY = JSON.stringify({ defaultAction: "deny", failMode: "open", rules: [] });

class RecordingCommand {
  constructor(readonly input: { Name: string; WithDecryption: boolean }) {}
}

class FakeSsm implements SsmLikeClient {
  readonly commands: RecordingCommand[] = [];
  value: string | Error = ALLOW;
  send(command: unknown): Promise<{ Parameter?: { Value?: string } }> {
    this.commands.push(command as RecordingCommand);
    if (this.value instanceof Error) return Promise.reject(this.value);
    return Promise.resolve({ Parameter: { Value: this.value, Version: 1 } });
  }
}

describe("agent: policy sources", () => {
  it("reads an SSM parameter with decryption and keeps the last good policy on errors", async () => {
    const ssm = new FakeSsm();
    const source = new SsmPolicySource("/gwlb/policy", "ap-northeast-2", ssm, RecordingCommand);
    const versions: number[] = [];
    const manager = new PolicyManager(source, (_doc, version) => versions.push(version));
    const first = await manager.loadInitial();
    assert.equal(first.policy.defaultAllow, true);
    assert.deepEqual(ssm.commands.map((c) => c.input), [{ Name: "/gwlb/policy", WithDecryption: true }]);
    assert.equal(manager.version, 1);

    await manager.reload(); // unchanged
    assert.deepEqual([manager.version, manager.reloads, manager.reloadErrors], [1, 0, 0]);

    ssm.value = DENY;
    await manager.reload();
    assert.deepEqual([manager.version, manager.reloads, manager.reloadErrors, versions], [2, 1, 0, [2]]);
    assert.equal(manager.current!.policy.defaultAllow, false);

    ssm.value = new Error("AccessDeniedException: not authorized");
    await manager.reload();
    ssm.value = JSON.stringify({ defaultAction: "deny", failMode: "sideways", rules: [] });
    await manager.reload();
    assert.deepEqual([manager.version, manager.reloadErrors], [2, 2]);
    assert.equal(manager.lastError, 'SSM parameter /gwlb/policy is invalid:\n  - failMode: "sideways" is not "open" or "closed" (required: how to treat packets that cannot be classified)');
    assert.equal(manager.current!.text, DENY);
  });

  it("fails the first load with an error naming the source and field", async () => {
    const file = path.join(tmpdir(), `gwlb-agent-policy-${process.pid}.json`);
    writeFileSync(file, JSON.stringify({ defaultAction: "allow", failMode: "open", rules: [{ action: "allow", source: { ports: "99999" } }] }));
    const manager = new PolicyManager(new FilePolicySource(file), () => undefined);
    try {
      await assert.rejects(manager.loadInitial(), {
        message: `file ${file} is invalid:\n  - rules[0].source.ports: "99999" is not a port (0-65535) or a "low-high" range`,
      });
    } finally {
      rmSync(file, { force: true });
    }
  });

  it("coalesces concurrent reloads into one extra read", async () => {
    const ssm = new FakeSsm();
    const manager = new PolicyManager(new SsmPolicySource("/p", "", ssm, RecordingCommand), () => undefined);
    await manager.loadInitial();
    await Promise.all([manager.reload(), manager.reload(), manager.reload(), manager.reload()]);
    assert.equal(ssm.commands.length, 3); // initial + running reload + one coalesced re-read
  });
});
