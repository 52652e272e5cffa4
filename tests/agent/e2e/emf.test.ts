// CloudWatch EMF: the exact documents for given counters, and the bundle sending them to a local
// UDP listener (playing the CloudWatch agent on 127.0.0.1) every --emf-interval-seconds.
import { strict as assert } from "node:assert";
import * as dgram from "node:dgram";
import { DROP_REASON_NAMES, Drop } from "../../../appliance-agent/src/dataplane/drop-reasons";
import { emfDocuments } from "../../../appliance-agent/src/control/emf";
import { buildDatagram } from "../../../appliance-agent/sim/packets";
import { GwlbSimulator } from "../../../appliance-agent/sim/simulator";
import { runAgentCommand, startAgent } from "../support/agent-process";

const zero = () => DROP_REASON_NAMES.map(() => 0);

describe("agent: CloudWatch EMF", function () {
  this.timeout(30000);

  it("writes counter deltas, gauges and one document per drop reason that dropped", () => {
    const previous = { packetsIn: 10, packetsOut: 8, drops: zero(), activeFlows: 1, healthy: true };
    const drops = zero();
    drops[Drop.PolicyDeny] = 2;
    const docs = emfDocuments({ packetsIn: 15, packetsOut: 11, drops, activeFlows: 4, healthy: false }, previous, 1767225600000, "i-0abc");
    assert.deepEqual(docs, [
      '{"_aws":{"Timestamp":1767225600000,"CloudWatchMetrics":[{"Namespace":"GWLB/Agent","Dimensions":[["InstanceId"]],"Metrics":[{"Name":"PacketsIn","Unit":"Count"},{"Name":"PacketsOut","Unit":"Count"},{"Name":"ActiveFlows","Unit":"Count"},{"Name":"Healthy","Unit":"None"}]}]},"InstanceId":"i-0abc","PacketsIn":5,"PacketsOut":3,"ActiveFlows":4,"Healthy":0}',
      '{"_aws":{"Timestamp":1767225600000,"CloudWatchMetrics":[{"Namespace":"GWLB/Agent","Dimensions":[["InstanceId","Reason"]],"Metrics":[{"Name":"Drops","Unit":"Count"}]}]},"InstanceId":"i-0abc","Reason":"policy_deny","Drops":2}',
    ]);
    assert.deepEqual(emfDocuments(previous, previous, 5, ""), [
      '{"_aws":{"Timestamp":5,"CloudWatchMetrics":[{"Namespace":"GWLB/Agent","Dimensions":[[]],"Metrics":[{"Name":"PacketsIn","Unit":"Count"},{"Name":"PacketsOut","Unit":"Count"},{"Name":"ActiveFlows","Unit":"Count"},{"Name":"Healthy","Unit":"None"}]}]},"PacketsIn":0,"PacketsOut":0,"ActiveFlows":1,"Healthy":1}',
    ]);
  });

  it("adds a Fleet dimension set, so that one alarm covers every instance and reason of a fleet", () => {
    const previous = { packetsIn: 0, packetsOut: 0, drops: zero(), activeFlows: 0, healthy: true };
    const drops = zero();
    drops[Drop.PolicyDeny] = 3;
    const docs = emfDocuments({ ...previous, drops }, previous, 7, "i-0abc", "gwlb-inspection/dev/appliance").map((d) => JSON.parse(d) as Record<string, unknown>);
    assert.deepEqual(docs[1], {
      _aws: { Timestamp: 7, CloudWatchMetrics: [{ Namespace: "GWLB/Agent", Dimensions: [["InstanceId", "Reason"], ["Fleet"]], Metrics: [{ Name: "Drops", Unit: "Count" }] }] },
      InstanceId: "i-0abc", Fleet: "gwlb-inspection/dev/appliance", Reason: "policy_deny", Drops: 3,
    });
  });

  it("refuses an endpoint off loopback (exit 2)", async () => {
    const { code, stderr } = await runAgentCommand(["--config", "/nonexistent", "--emf-endpoint", "10.0.0.5:25888"]);
    assert.equal(code, 2);
    assert.equal(stderr, 'appliance-agent: command line is invalid:\n  - --emf-endpoint: "10.0.0.5:25888" is not a loopback address and port (127.x.x.x:port)\n');
  });

  it("sends the documents to the CloudWatch agent's UDP listener every interval", async () => {
    const listener = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => listener.bind(0, "127.0.0.1", () => resolve()));
    const received: Array<Record<string, unknown>> = [];
    listener.on("message", (message) => received.push(JSON.parse(message.toString("utf8")) as Record<string, unknown>));
    const agent = await startAgent({
      policy: { defaultAction: "allow", failMode: "closed", rules: [{ name: "no-dns", action: "deny", protocol: "udp", destination: { ports: 53 } }] },
      extraArgs: ["--emf-endpoint", `127.0.0.1:${listener.address().port}`, "--emf-interval-seconds", "1", "--emf-dimension", "i-0123456789abcdef0"],
    });
    const sim = await GwlbSimulator.start({ gwlbAddress: agent.addresses.gwlb, agentAddress: agent.addresses.agent, sourcePortCount: 1 });
    try {
      const datagram = (dstPort: number) => buildDatagram({ inner: { src: "198.51.100.20", dst: "10.0.0.20", protocol: "udp", srcPort: 1000, dstPort, payload: 4 } }).datagram;
      const report = await sim.exchange([{ sourcePort: sim.sourcePorts[0], datagram: datagram(80) }, { sourcePort: sim.sourcePorts[0], datagram: datagram(80) }]);
      assert.equal(report.returned.length, 2);
      for (let i = 0; i < 3; i++) sim.send(sim.sourcePorts[0], datagram(53));
      const sum = (name: string) => received.reduce((total, doc) => total + ((doc[name] as number | undefined) ?? 0), 0);
      await agent.waitFor(() => sum("PacketsIn") === 5 && sum("Drops") === 3, 5000, "EMF documents with every packet");
      const main = received.find((doc) => doc.PacketsIn !== undefined)!;
      const timestamp = (main._aws as { Timestamp: number }).Timestamp;
      assert.ok(Math.abs(Date.now() - timestamp) < 10_000);
      assert.deepEqual(Object.keys(main), ["_aws", "InstanceId", "PacketsIn", "PacketsOut", "ActiveFlows", "Healthy"]);
      assert.equal(main.InstanceId, "i-0123456789abcdef0");
      assert.equal(main.Healthy, 1);
      const drop = received.find((doc) => doc.Drops !== undefined)!;
      assert.deepEqual({ ...drop, _aws: { ...(drop._aws as object), Timestamp: 0 } }, {
        _aws: { Timestamp: 0, CloudWatchMetrics: [{ Namespace: "GWLB/Agent", Dimensions: [["InstanceId", "Reason"]], Metrics: [{ Name: "Drops", Unit: "Count" }] }] },
        InstanceId: "i-0123456789abcdef0",
        Reason: "policy_deny",
        // The three denied datagrams may straddle two reports: their sum is checked above.
        Drops: drop.Drops,
      });
      assert.equal(sum("PacketsOut"), 2);
      assert.equal(received.filter((doc) => doc.ActiveFlows !== undefined).at(-1)!.ActiveFlows, 2);
    } finally {
      await sim.close();
      await agent.stop();
      listener.close();
    }
  });
});
