import * as assert from "node:assert/strict";
import { problemsOf } from "../../support/inputErrors";
import { installMocks, recorder } from "../../support/mocks";

installMocks();
import { AppSpoke, CentralEgress, CentralEgressArgs, Problems, validateAppSpokeArgs } from "../../../components";

const AZS = ["ap-northeast-2a", "ap-northeast-2c"];
const inspection = { endpointServiceName: "com.amazonaws.vpce.ap-northeast-2.vpce-svc-0123456789abcdef0", availabilityZones: AZS, stickiness: "5-tuple" };

function hub(extra: Partial<CentralEgressArgs> = {}): CentralEgress {
  return new CentralEgress("sec", { cidrBlock: "10.20.0.0/16", availabilityZones: AZS, inspection, ...extra });
}


describe("AppSpoke validation", () => {
  beforeEach(() => recorder.reset());

  it("rejects overlaps with the hub and earlier spokes, duplicate names and AZs the hub lacks", () => {
    const sec = hub();
    new AppSpoke("app01", { hub: sec, cidrBlock: "10.10.0.0/16", availabilityZones: AZS });
    recorder.reset();
    assert.deepEqual(problemsOf(() => new AppSpoke("app01", { hub: sec, cidrBlock: "10.0.0.0/8", availabilityZones: ["ap-northeast-2b"] })), [
      { propertyPath: "availabilityZones", reason: '"ap-northeast-2b" not served by the hub (ap-northeast-2a, ap-northeast-2c); every AZ must exist in both so no flow crosses AZs' },
      { propertyPath: "cidrBlock", reason: "a VPC CIDR must be from /16 to /28, got /8" },
      { propertyPath: "name", reason: 'a spoke named "app01" is already attached to this hub' },
    ]);
    assert.deepEqual(problemsOf(() => new AppSpoke("app02", { hub: sec, cidrBlock: "10.10.128.0/17", availabilityZones: AZS })), [
      { propertyPath: "cidrBlock", reason: '10.10.128.0/17 overlaps spoke "app01" (10.10.0.0/16); transit gateway routes need distinct CIDRs' },
    ]);
    assert.deepEqual(problemsOf(() => new AppSpoke("a-very-long-spoke-name", { hub: sec, cidrBlock: "10.13.0.0/16", availabilityZones: AZS, workload: true })), [
      { propertyPath: "name", reason: 'a spoke with a workload needs a name of at most 16 letters, digits or hyphens (its load balancer names derive from it), got "a-very-long-spoke-name"' },
    ]);
    assert.deepEqual(problemsOf(() => new AppSpoke("app03", { hub: sec, cidrBlock: "10.20.0.0/16", availabilityZones: AZS })), [
      { propertyPath: "cidrBlock", reason: "10.20.0.0/16 overlaps the hub's VPC (10.20.0.0/16); transit gateway routes need distinct CIDRs" },
    ]);
    assert.equal(recorder.registrations.length, 0);
  });

  it("refuses a public ALB in a single-AZ hub", () => {
    const oneAz = ["ap-northeast-2a"];
    const sec = new CentralEgress("sec1", { cidrBlock: "10.20.0.0/16", availabilityZones: oneAz, inspection });
    recorder.reset();
    assert.deepEqual(problemsOf(() => new AppSpoke("app01", { hub: sec, cidrBlock: "10.10.0.0/16", availabilityZones: oneAz, workload: true, publicIngress: true })), [
      { propertyPath: "publicIngress", reason: "an Application Load Balancer needs subnets in at least two AZs; the hub has 1" },
    ]);
    assert.equal(recorder.registrations.length, 0);
  });

  it("refuses public ingress without a workload, through an inspect-first hub, and unusable NLB addresses", () => {
    const sec = hub({ egressInspectionOrder: "inspect-first" });
    recorder.reset();
    assert.deepEqual(problemsOf(() => new AppSpoke("app01", { hub: sec, cidrBlock: "10.10.0.0/16", availabilityZones: AZS, publicIngress: { allowedCidrs: ["198.51.100.0/33"] } })), [
      { propertyPath: "publicIngress.allowedCidrs[0]", reason: '"198.51.100.0/33" has a prefix length above 32' },
      { propertyPath: "publicIngress", reason: "needs workload: the ALB forwards to the workload's NLB" },
      { propertyPath: "publicIngress", reason: 'cannot be inspected through a hub with egressInspectionOrder "inspect-first": its endpoint subnets send 0.0.0.0/0 to the NAT gateways, so the ALB\'s replies would leave through NAT, not the endpoint that saw the request; use "nat-first" or put the ALB in its own ingress VPC' },
    ]);
    assert.deepEqual(problemsOf(() => new AppSpoke("app02", { hub: sec, cidrBlock: "10.11.0.0/16", availabilityZones: AZS, workload: { nlbHostIndex: 255, instancesPerAz: 0 } })), [
      { propertyPath: "workload.instancesPerAz", reason: "must be from 1 to 10, got 0" },
      { propertyPath: "workload.nlbHostIndex", reason: "255 is not a usable host of the ap-northeast-2a private subnet 10.11.21.0/24 (AWS reserves the first four and the last address)" },
    ]);
    assert.deepEqual(problemsOf(() => new AppSpoke("a-very-long-spoke-name", { hub: sec, cidrBlock: "10.13.0.0/16", availabilityZones: AZS, workload: true })), [
      { propertyPath: "name", reason: 'a spoke with a workload needs a name of at most 16 letters, digits or hyphens (its load balancer names derive from it), got "a-very-long-spoke-name"' },
    ]);
    assert.deepEqual(problemsOf(() => new AppSpoke("app03", { hub: sec, cidrBlock: "10.12.0.0/16", availabilityZones: AZS, existingVpc: { vpcId: "vpc-1", cidrBlock: "10.12.0.0/16", attachmentSubnetIds: ["subnet-1"], routeTableIds: [] } })), [
      { propertyPath: "cidrBlock", reason: "give exactly one of cidrBlock (create a VPC) or existingVpc (adopt one)" },
    ]);
    assert.equal(recorder.registrations.length, 0);
  });

  it("checks the web tier's instance type against its architecture, by the fleet's rule", () => {
    const facts = { cidrBlock: undefined, availabilityZones: AZS, egressInspectionOrder: "nat-first", attachedSpokes: [] };
    const workloadOf = (workload: object) => validateAppSpokeArgs("app01", { cidrBlock: "10.10.0.0/16", availabilityZones: AZS, workload }, facts, new Problems())?.workload;
    assert.deepEqual([workloadOf({ instanceType: "t4g.micro" })?.architecture, workloadOf({ architecture: "arm64" })?.instanceType, workloadOf({})?.instanceType], ["arm64", "t4g.micro", "t3.micro"]);
    assert.deepEqual(problemsOf(() => new AppSpoke("app01", { hub: hub(), cidrBlock: "10.10.0.0/16", availabilityZones: AZS, workload: { instanceType: "t4g.micro", architecture: "x86_64" } })), [
      { propertyPath: "workload.instanceType", reason: '"t4g.micro" is an arm64 instance type but workload.architecture is "x86_64"; the image follows the architecture, so they must agree' },
    ]);
  });
});
