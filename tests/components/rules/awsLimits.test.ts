import * as assert from "node:assert/strict";
import { hostAddress, parseIpv4Cidr } from "../../../common/cidr";
import { instanceTypeArchitecture, isAwsReservedHost, usableAwsAddresses } from "../../../components/rules/awsLimits";

describe("AWS limits", () => {
  it("knows AWS's reserved addresses", () => {
    const subnet = parseIpv4Cidr("10.10.21.0/24");
    assert.deepEqual([0, 1, 2, 3, 4, 254, 255].map((i) => isAwsReservedHost(subnet, i)), [true, true, true, true, false, false, true]);
    assert.equal(hostAddress(subnet, 256), undefined);
    assert.equal(usableAwsAddresses(parseIpv4Cidr("10.0.0.0/28")), 11);
    assert.equal(usableAwsAddresses(parseIpv4Cidr("10.0.0.0/24")), 251);
  });

  it("tells Graviton instance families from x86 ones", () => {
    const table: Array<[string, string]> = [
      ["c7g.large", "arm64"], ["c7gn.xlarge", "arm64"], ["m6gd.2xlarge", "arm64"], ["t4g.small", "arm64"], ["im4gn.large", "arm64"],
      ["c8g.medium", "arm64"], ["a1.large", "arm64"],
      ["c7i.large", "x86_64"], ["c6in.xlarge", "x86_64"], ["c5n.large", "x86_64"], ["m7i-flex.large", "x86_64"], ["g4dn.xlarge", "x86_64"],
      ["g5.xlarge", "x86_64"], ["t3.micro", "x86_64"],
    ];
    for (const [type, arch] of table) assert.equal(instanceTypeArchitecture(type), arch, type);
  });
});
