/** fast-check arbitraries the property tests share. */
import fc from "fast-check";
import { Ipv4Cidr } from "../../common/cidr";

/** An aligned IPv4 block with a prefix length in [minPrefix, maxPrefix]. */
export const arbCidr = (minPrefix = 0, maxPrefix = 32): fc.Arbitrary<Ipv4Cidr> =>
  fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: minPrefix, max: maxPrefix })).map(([address, prefixLength]) => {
    const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
    return { network: (address & mask) >>> 0, prefixLength };
  });
