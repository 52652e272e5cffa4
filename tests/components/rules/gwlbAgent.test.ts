import * as assert from "node:assert/strict";
import { Problems } from "../../../components/rules/problems";
import { validateAgent, validateLogRetention, validateScaling } from "../../../components/rules/gwlbAgent";

function problemsOf(check: (problems: Problems) => unknown): string[] {
  const problems = new Problems();
  check(problems);
  return problems.list.map((p) => `${p.propertyPath}: ${p.reason}`);
}

describe("the fleet's agent, scaling and logs", () => {
  it("stops a bad policy with the agent's own message and path, and refuses an agent section", () => {
    const policy = {
      defaultAction: "deny",
      failMode: "closed",
      rules: [
        { action: "allow", protocol: "tcp", destination: { ports: [443] } },
        { action: "allow", protocol: "udp" },
        { action: "allow", destination: { cidr: "10.0.0.0/33" } },
      ],
    } as const;
    assert.deepEqual(problemsOf((p) => validateAgent(p, { policy: policy as never })), ['policy.rules[2].destination.cidr: "10.0.0.0/33" is not a valid CIDR']);
    assert.deepEqual(problemsOf((p) => validateAgent(p, { policy: "allow" as never })), ['policy: the document must be a JSON object, got "allow"']);
    assert.deepEqual(problemsOf((p) => validateAgent(p, { policy: { ...policy, rules: [], agent: { workers: 4 } } as never })), [
      "policy.agent: is not taken here: the fleet derives the agent's settings from the AWS resources it configures (and they need a restart, which a policy change must not); give rules only",
    ]);
  });

  it("picks the SSM parameter tier by the policy's size, or says it cannot fit", () => {
    const rules = (count: number) => Array.from({ length: count }, (_, i) => ({ name: `r${i}`, action: "allow", destination: { cidr: `10.${i % 250}.0.0/16` } }));
    const doc = (count: number) => ({ defaultAction: "deny", failMode: "closed", rules: rules(count) });
    const sizeOf = (count: number) => Buffer.byteLength(JSON.stringify(doc(count)));
    // 40 rules fit the standard tier's 4 KB, 110 need the advanced tier's 8 KB, 200 fit neither.
    assert.deepEqual([sizeOf(40) <= 4096, sizeOf(110) > 4096 && sizeOf(110) <= 8192, sizeOf(200) > 8192], [true, true, true]);
    const tierOf = (count: number) => validateAgent(new Problems(), { policy: doc(count) as never })?.policyTier;
    assert.deepEqual([tierOf(40), tierOf(110)], ["Standard", "Advanced"]);
    assert.deepEqual(problemsOf((p) => validateAgent(p, { policy: doc(200) as never })), [
      `policy: is ${sizeOf(200)} bytes as JSON; an SSM parameter holds at most 8192 (advanced tier), so the agent could not read it`,
    ]);
  });

  it("checks the slow path's limit: an integer the agent takes, and only with the fast path", () => {
    assert.deepEqual([undefined, 0, 40_000].map((slowPathMaxPps) => validateAgent(new Problems(), { slowPathMaxPps })?.slowPathMaxPps), [0, 0, 40_000]);
    assert.deepEqual(problemsOf((p) => validateAgent(p, { slowPathMaxPps: 2.5 })), ["agent.slowPathMaxPps: must be an integer from 0 to 100000000, got 2.5"]);
    assert.deepEqual(problemsOf((p) => validateAgent(p, { slowPathMaxPps: -1 })), ["agent.slowPathMaxPps: must be from 0 to 100000000, got -1"]);
    assert.deepEqual(problemsOf((p) => validateAgent(p, { fastPath: "off", slowPathMaxPps: 5000 })), ['agent.slowPathMaxPps: needs the fast path, whose ingress chain holds the limit, and agent.fastPath is "off"']);
    assert.equal(validateAgent(new Problems(), { fastPath: "off", slowPathMaxPps: 0 })?.slowPathMaxPps, 0);
  });

  it("checks the rollout limits, the fast path, the health wait, scaling and log retention", () => {
    assert.deepEqual(problemsOf((p) => validateAgent(p, { fastPath: "ebpf" as never, rolloutMaxConcurrency: "0", rolloutMaxErrors: "101%", healthWaitSeconds: 5, bundlePath: "" })), [
      'agent.bundlePath: must be the path of a bundle file, got ""',
      'agent.fastPath: must be one of "auto", "nft", "off", got "ebpf"',
      'agent.rolloutMaxConcurrency: must be a count or a percentage such as "1" or "50%", at least 1, got "0"',
      'agent.rolloutMaxErrors: must be a count or a percentage such as "1" or "50%", got "101%"',
      "agent.healthWaitSeconds: must be from 10 to 900, got 5",
    ]);
    assert.deepEqual([validateScaling(new Problems(), undefined), validateScaling(new Problems(), false), validateScaling(new Problems(), { targetCpuPercent: 45 })], [{ targetCpuPercent: 60 }, {}, { targetCpuPercent: 45 }]);
    assert.deepEqual(problemsOf((p) => validateScaling(p, { targetCpuPercent: 95 })), ["scaling.targetCpuPercent: must be from 10 to 90, got 95"]);
    assert.deepEqual(problemsOf((p) => validateLogRetention(p, { retentionInDays: 2 })), [
      "logs.retentionInDays: must be one of CloudWatch Logs' periods (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653), got 2",
    ]);
    assert.equal(validateLogRetention(new Problems(), undefined), 30);
  });
});
