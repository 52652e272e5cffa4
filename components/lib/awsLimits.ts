import { Ipv4Cidr, blockSize } from "../../common/cidr";

/** AWS reserves the first four addresses and the last address of every subnet. */
export function isAwsReservedHost(cidr: Ipv4Cidr, hostIndex: number): boolean {
  return hostIndex < 4 || hostIndex === blockSize(cidr) - 1;
}

/** Addresses a subnet offers to ENIs once AWS has taken its five. */
export function usableAwsAddresses(cidr: Ipv4Cidr): number {
  return Math.max(0, blockSize(cidr) - 5);
}
