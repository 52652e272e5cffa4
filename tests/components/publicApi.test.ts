import * as assert from "node:assert/strict";
import { installMocks, recorder, settle } from "../support/mocks";

installMocks();
import * as awsx from "@pulumi/awsx";
import * as gwlb from "../../components";
import { summarize } from "../../offline/synthesize";

describe("the public entry point (the README's example)", () => {
  beforeEach(() => recorder.reset());

  it("composes all four components and an adopted awsx VPC in another region", async () => {
    const azs = ["eu-west-1a", "eu-west-1b"];
    const inspection = new gwlb.InspectionVpc("inspection", { cidrBlock: "10.21.0.0/16", availabilityZones: azs });
    const fleet = new gwlb.GwlbApplianceFleet("appliances", {
      network: inspection,
      healthCheck: { port: 80 },
      fleet: { instanceType: "c7g.large", minSize: 2, maxSize: 6 },
    });
    const hub = new gwlb.CentralEgress("hub", {
      cidrBlock: "10.20.0.0/16",
      availabilityZones: azs,
      inspection: fleet,
      egressInspectionOrder: "nat-first",
      eastWest: "inspect",
    });
    new gwlb.AppSpoke("orders", { hub, cidrBlock: "10.30.0.0/16", availabilityZones: azs, workload: true, publicIngress: true });
    const legacy = new awsx.ec2.Vpc("legacy", { cidrBlock: "10.40.0.0/16", availabilityZoneNames: azs, natGateways: { strategy: "None" } });
    new gwlb.AppSpoke("legacy", { hub, availabilityZones: azs, existingVpc: gwlb.spokeVpcFromAwsx(legacy, "10.40.0.0/16", azs.length) });
    await settle();

    const groups = summarize(recorder.registrations).map((g) => `${g.type} ${g.name}: ${g.total}`).sort();
    assert.deepEqual(groups, [
      "awsx:ec2:Vpc legacy: 0",
      "gwlb:inspection:GwlbApplianceFleet appliances: 33",
      "gwlb:network:AppSpoke legacy: 11",
      "gwlb:network:AppSpoke orders: 43",
      "gwlb:network:CentralEgress hub: 42",
      "gwlb:network:InspectionVpc inspection: 13",
    ]);
    const asg = recorder.one("aws:autoscaling/group:Group", "appliances-asg").inputs;
    assert.deepEqual([asg.minSize, asg.desiredCapacity, asg.maxSize], [2, 2, 6]);
    const endpoints = recorder.ofType("aws:ec2/vpcEndpoint:VpcEndpoint").filter((e) => e.inputs.vpcEndpointType === "GatewayLoadBalancer");
    assert.deepEqual(endpoints.map((e) => e.name).sort(), ["hub-endpoint-1a", "hub-endpoint-1b"]);
    assert.deepEqual(gwlb.EGRESS_INSPECTION_ORDERS, ["nat-first", "inspect-first"]);
  });
});
