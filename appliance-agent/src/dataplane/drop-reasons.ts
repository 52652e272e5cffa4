// Every reason a datagram is not returned, and every reason an inner packet cannot be
// classified. The numeric codes index flat counter arrays; the names are metric labels.

/** Why a datagram was dropped. 0 is reserved for "not dropped". */
export const Drop = {
  None: 0,
  SourceNotAllowed: 1,
  GeneveTruncated: 2,
  GeneveBadVersion: 3,
  GeneveOptionsPastEnd: 4,
  GeneveOptionTruncated: 5,
  GeneveOamPacket: 6,
  GeneveUnknownCriticalOption: 7,
  GeneveBadProtocolType: 8,
  AwsOptionBadLength: 9,
  AwsOptionMissing: 10,
  AwsOptionDuplicate: 11,
  Unclassifiable: 12,
  PolicyDeny: 13,
  ReturnSocketUnavailable: 14,
  ReturnQueueFull: 15,
  InternalError: 16,
} as const;

export const DROP_REASON_NAMES: readonly string[] = [
  "none",
  "source_not_allowed",
  "geneve_truncated",
  "geneve_bad_version",
  "geneve_options_past_end",
  "geneve_option_truncated",
  "geneve_oam_packet",
  "geneve_unknown_critical_option",
  "geneve_bad_protocol_type",
  "aws_option_bad_length",
  "aws_option_missing",
  "aws_option_duplicate",
  "unclassifiable",
  "policy_deny",
  "return_socket_unavailable",
  "return_queue_full",
  "internal_error",
];

/** Why a well-formed GENEVE datagram's inner packet has no usable 5-tuple. 0 means classified. */
export const Unclassified = {
  None: 0,
  InnerTruncated: 1,
  InnerVersionMismatch: 2,
  InnerBadHeader: 3,
  NonFirstFragment: 4,
  TransportTruncated: 5,
  ExtensionHeaderLimit: 6,
} as const;

export const UNCLASSIFIED_REASON_NAMES: readonly string[] = [
  "none",
  "inner_truncated",
  "inner_version_mismatch",
  "inner_bad_header",
  "non_first_fragment",
  "transport_truncated",
  "extension_header_limit",
];
