// A Pulumi program of another project, written the way the README shows: it imports the installed
// package by name, so it type-checks against the shipped declarations and runs the shipped code.
import * as awsx from "@pulumi/awsx";
import { AppSpoke, CentralEgress, GwlbApplianceFleet, InspectionVpc, spokeVpcFromAwsx } from "gwlb-inspection";

const azs = ["eu-west-1a", "eu-west-1b"];
const inspection = new InspectionVpc("inspection", { cidrBlock: "10.21.0.0/16", availabilityZones: azs });
const fleet = new GwlbApplianceFleet("appliances", {
  network: inspection,
  healthCheck: { port: 80 },
  fleet: { instanceType: "c7g.large", minSize: 2, maxSize: 6 },
});
const hub = new CentralEgress("hub", {
  cidrBlock: "10.20.0.0/16",
  availabilityZones: azs,
  inspection: fleet,
  egressInspectionOrder: "nat-first",
  eastWest: "inspect",
});
const orders = new AppSpoke("orders", { hub, cidrBlock: "10.30.0.0/16", availabilityZones: azs, workload: true, publicIngress: true });

const legacy = new awsx.ec2.Vpc("legacy", { cidrBlock: "10.40.0.0/16", availabilityZoneNames: azs, natGateways: { strategy: "None" } });
new AppSpoke("legacy", { hub, availabilityZones: azs, existingVpc: spokeVpcFromAwsx(legacy, "10.40.0.0/16", azs.length) });

export const albDnsName = orders.albDnsName;
export const endpointServiceName = fleet.endpointServiceName;
