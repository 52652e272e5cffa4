import * as assert from "node:assert/strict";
import { azSuffix, checkAvailabilityZones } from "../../../components/rules/availabilityZones";
import { Problems } from "../../../components/rules/problems";

describe("availability zones", () => {
  it("checks AZ names and derives the seed's short names", () => {
    assert.deepEqual(["ap-northeast-2a", "us-east-1f", "us-gov-west-1a"].map(azSuffix), ["2a", "1f", "1a"]);
    const p = new Problems();
    assert.equal(checkAvailabilityZones(p, "azs", ["ap-northeast-2a", "apne2-az1", "us-east-2a"]), undefined);
    assert.deepEqual(p.list, [
      { propertyPath: "azs[1]", reason: 'must be an availability zone name such as "ap-northeast-2a" (letters a-i), got "apne2-az1"' },
      { propertyPath: "azs[2]", reason: '"us-east-2a" and "ap-northeast-2a" share the short name "2a"' },
    ]);
  });
});
