import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, recorder } from "../../support/mocks";

installMocks();
// Imported after the mocks are installed, as a Pulumi program would be.
import { InspectionVpc } from "../../../components";

const AZS = ["ap-northeast-2a", "ap-northeast-2c"];

describe("InspectionVpc validation", () => {
  beforeEach(() => recorder.reset());

  it("reports every bad argument at once and registers nothing", () => {
    assert.throws(
      () => new InspectionVpc("bad", {
        cidrBlock: "10.21.0.1/16",
        availabilityZones: [],
        internetAccess: "nat" as never,
        flowLogs: { retentionInDays: 10 },
      }),
      (err: unknown) => {
        assert.ok(pulumi.InputPropertiesError.isInstance(err));
        assert.deepEqual(err.errors, [
          { propertyPath: "cidrBlock", reason: '"10.21.0.1/16" has host bits set; the network is 10.21.0.0/16' },
          { propertyPath: "availabilityZones", reason: "must list at least one availability zone, got an array of 0" },
          { propertyPath: "internetAccess", reason: 'must be one of "none", "igw", got "nat"' },
          { propertyPath: "flowLogs.retentionInDays", reason: "must be one of CloudWatch Logs' periods (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653), got 10" },
        ]);
        assert.match(err.message, /^InspectionVpc "bad" has 4 invalid arguments:\n {2}- cidrBlock: /);
        return true;
      },
    );
    assert.equal(recorder.registrations.length, 0);
  });

  it("rejects explicit subnets outside the VPC or overlapping", () => {
    assert.throws(
      () => new InspectionVpc("bad2", { cidrBlock: "10.21.0.0/16", availabilityZones: AZS, applianceSubnetCidrs: ["10.22.0.0/24", "10.21.0.0/20"] }),
      (err: unknown) => {
        assert.ok(pulumi.InputPropertiesError.isInstance(err));
        assert.deepEqual(err.errors, [{ propertyPath: "applianceSubnetCidrs[0]", reason: "10.22.0.0/24 is outside the VPC 10.21.0.0/16" }]);
        return true;
      },
    );
  });
});
