import * as assert from "node:assert/strict";
import { problemsOf } from "../../support/inputErrors";
import { installMocks, recorder } from "../../support/mocks";

installMocks();
import { CentralEgress } from "../../../components";

const AZS = ["ap-northeast-2a", "ap-northeast-2c"];
const SERVICE = "com.amazonaws.vpce.ap-northeast-2.vpce-svc-0123456789abcdef0";
const inspection = { endpointServiceName: SERVICE, availabilityZones: AZS, stickiness: "5-tuple" };

describe("CentralEgress validation", () => {
  beforeEach(() => recorder.reset());

  it("rejects appliance-mode-incompatible stickiness, AZs the GWLB does not serve and bad enums together", () => {
    const errors = problemsOf(() => new CentralEgress("bad", {
      cidrBlock: "10.20.0.0/16",
      availabilityZones: ["ap-northeast-2a", "ap-northeast-2b"],
      inspection: { ...inspection, stickiness: "source_ip_dest_ip" },
      egressInspectionOrder: "nat-last" as never,
      eastWest: "allow" as never,
      amazonSideAsn: 65535,
    }));
    assert.deepEqual(errors, [
      { propertyPath: "egressInspectionOrder", reason: 'must be one of "nat-first", "inspect-first", got "nat-last"' },
      { propertyPath: "eastWest", reason: 'must be one of "inspect", "block", got "allow"' },
      { propertyPath: "amazonSideAsn", reason: "must be a private ASN (64512-65534 or 4200000000-4294967294), got 65535" },
      { propertyPath: "availabilityZones", reason: '"ap-northeast-2b" not served by the inspection service\'s gateway load balancer (ap-northeast-2a, ap-northeast-2c); every AZ must exist in both so no flow crosses AZs' },
      { propertyPath: "inspection.stickiness", reason: '"source_ip_dest_ip" stickiness does not work with transit gateway appliance mode, which the hub attachment uses; use "5-tuple"' },
    ]);
    assert.equal(recorder.registrations.length, 0);
  });

  it("refuses east-west inspection without appliance mode, and subnets that do not fit", () => {
    const errors = problemsOf(() => new CentralEgress("bad", {
      cidrBlock: "10.20.0.0/24",
      availabilityZones: AZS,
      inspection,
      eastWest: "inspect",
      applianceMode: false,
    }));
    assert.deepEqual(errors, [
      { propertyPath: "applianceMode", reason: 'must stay true with eastWest "inspect": without it the transit gateway may return a spoke-to-spoke flow through another AZ\'s endpoint and the appliances see half a flow' },
      { propertyPath: "subnetCidrs.gwlbe", reason: "the gwlbe subnet for ap-northeast-2a does not fit in 10.20.0.0/24 (layout cell 31 of its /28 grid); use a larger VPC CIDR or list the subnets explicitly" },
      { propertyPath: "subnetCidrs.gwlbe", reason: "the gwlbe subnet for ap-northeast-2c does not fit in 10.20.0.0/24 (layout cell 33 of its /28 grid); use a larger VPC CIDR or list the subnets explicitly" },
      { propertyPath: "subnetCidrs.tgw", reason: "the tgw subnet for ap-northeast-2a does not fit in 10.20.0.0/24 (layout cell 41 of its /28 grid); use a larger VPC CIDR or list the subnets explicitly" },
      { propertyPath: "subnetCidrs.tgw", reason: "the tgw subnet for ap-northeast-2c does not fit in 10.20.0.0/24 (layout cell 43 of its /28 grid); use a larger VPC CIDR or list the subnets explicitly" },
    ]);
  });

  it("needs the hub's AZ ids to compare with a service that gives ids, and compares them", () => {
    const remote = { endpointServiceName: SERVICE, availabilityZoneIds: ["apne2-az1", "apne2-az3"], stickiness: "5-tuple" };
    const build = (extra: object) => problemsOf(() => new CentralEgress("ids", { cidrBlock: "10.20.0.0/16", availabilityZones: AZS, inspection: remote, ...extra }));
    assert.deepEqual(build({}), [
      { propertyPath: "availabilityZoneIds", reason: "must list the ids of the hub's availability zones: the inspection service gives its zones by id, and AZ names map to zones differently per account" },
    ]);
    assert.deepEqual(build({ availabilityZoneIds: ["apne2-az1", "apne2-az2"] }), [
      { propertyPath: "availabilityZoneIds", reason: '"apne2-az2" not served by the inspection service\'s gateway load balancer (apne2-az1, apne2-az3); every AZ must exist in both so no flow crosses AZs' },
    ]);
    assert.deepEqual(build({ availabilityZoneIds: ["apne2-az1"] }), [
      { propertyPath: "availabilityZoneIds", reason: "must list one availability zone id per availability zone (2), got an array of 1" },
    ]);
    assert.deepEqual(build({ availabilityZoneIds: ["ap-northeast-2a", "apne2-az1"], inspection: { ...remote, availabilityZoneIds: ["apne2-az1", "apne2-az1"] } }), [
      { propertyPath: "availabilityZoneIds[0]", reason: 'must be an availability zone id such as "apne2-az1", got "ap-northeast-2a"' },
      { propertyPath: "inspection.availabilityZoneIds[1]", reason: '"apne2-az1" is listed twice' },
    ]);
    assert.deepEqual(problemsOf(() => new CentralEgress("none", { cidrBlock: "10.20.0.0/16", availabilityZones: AZS, inspection: { endpointServiceName: SERVICE, stickiness: "5-tuple" } })), [
      { propertyPath: "inspection.availabilityZones", reason: "must list the AZs the gateway load balancer serves (or give inspection.availabilityZoneIds)" },
    ]);
  });
});
