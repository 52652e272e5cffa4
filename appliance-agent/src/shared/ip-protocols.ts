// IANA protocol numbers the agent names, and their names in policies and flow logs. Shared
// because the data plane reads them off packets and the policy plane matches on them, and
// neither of those planes may import the other's parsing code.

export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const PROTO_ICMPV6 = 58;
export const PROTO_SCTP = 132;

/** Protocol number to the name used in flow logs and policies. */
export function protocolName(protocol: number): string {
  switch (protocol) {
    case PROTO_TCP:
      return "tcp";
    case PROTO_UDP:
      return "udp";
    case PROTO_ICMP:
      return "icmp";
    case PROTO_ICMPV6:
      return "icmpv6";
    case PROTO_SCTP:
      return "sctp";
    default:
      return String(protocol);
  }
}
