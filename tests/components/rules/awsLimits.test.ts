import * as assert from "node:assert/strict";
import { hostAddress, parseIpv4Cidr } from "../../../common/cidr";
import { isAwsReservedHost, usableAwsAddresses } from "../../../components/rules/awsLimits";

describe("AWS limits", () => {
  it("knows AWS's reserved addresses", () => {
    const subnet = parseIpv4Cidr("10.10.21.0/24");
    assert.deepEqual([0, 1, 2, 3, 4, 254, 255].map((i) => isAwsReservedHost(subnet, i)), [true, true, true, true, false, false, true]);
    assert.equal(hostAddress(subnet, 256), undefined);
    assert.equal(usableAwsAddresses(parseIpv4Cidr("10.0.0.0/28")), 11);
    assert.equal(usableAwsAddresses(parseIpv4Cidr("10.0.0.0/24")), 251);
  });
});
