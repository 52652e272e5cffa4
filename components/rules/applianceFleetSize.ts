/**
 * The appliance fleet: instance type and architecture, group sizes, and whether the GWLB's
 * subnets and the target group's quota can hold the largest fleet.
 */
import { parseIpv4Cidr } from "../../common/cidr";
import { Architecture } from "../args/common";
import { GwlbFleetArgs, ValidatedGwlbFleet, ValidatedImage } from "../args/gwlbApplianceFleet";
import {
  AMI_ID_PATTERN, GENEVE_TARGETS_PER_AZ, GWLB_ADDRESSES_PER_SUBNET, ROOT_VOLUME_GIB_LIMITS, VERSIONED_SSM_IMAGE_PATTERN, usableAwsAddresses,
} from "./awsLimits";
import { resolveInstanceChoice } from "./instanceTypes";
import { Problems, describeValue } from "./problems";

/**
 * Default instance type per architecture: two vCPUs so the agent's workers and the OS/SSM agent do
 * not share one core, steady (non-burstable) CPU, and up to 12.5 Gbps of ENA networking.
 */
export const DEFAULT_INSTANCE_TYPES: Readonly<Record<Architecture, string>> = {
  arm64: "c7g.large",
  x86_64: "c7i.large",
};

/** The least grace period that covers a cold install through SSM (seconds). */
const MIN_GRACE_SECONDS = 300;

export function validateFleet(
  problems: Problems,
  fleet: GwlbFleetArgs | undefined,
  network: { azs: string[]; subnetCidrs: Record<string, string>; endpointAddressesPerSubnet: number } | undefined,
  crossZone: boolean | undefined,
): ValidatedGwlbFleet | undefined {
  const before = problems.list.length;
  const args = fleet ?? {};

  const instance = resolveInstanceChoice(problems, "fleet.", args, DEFAULT_INSTANCE_TYPES, "arm64");

  // Defaults follow what was given: 2/2/4, raised so that min <= desired <= max always holds for them.
  const given = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);
  const minSize = problems.wholeNumber("fleet.minSize", args.minSize ?? 2);
  const desiredCapacity = problems.wholeNumber("fleet.desiredCapacity", args.desiredCapacity ?? Math.max(2, given(args.minSize)));
  const maxSize = problems.wholeNumber("fleet.maxSize", args.maxSize ?? Math.max(4, given(args.desiredCapacity), given(args.minSize)));
  if (minSize !== undefined && minSize < 1) {
    problems.add("fleet.minSize", `must be at least 1: with no appliance the GWLB has no target and every inspected flow is dropped, got ${minSize}`);
  }
  if (minSize !== undefined && network && crossZone === false && minSize < network.azs.length) {
    problems.add(
      "fleet.minSize",
      `must be at least the number of AZs (${network.azs.length}) when enableCrossZoneLoadBalancing is false: each AZ's GWLB node then sends only to appliances in its own AZ, got ${minSize}`,
    );
  }
  if (minSize !== undefined && maxSize !== undefined && minSize > maxSize) {
    problems.add("fleet.minSize", `must not exceed fleet.maxSize (${maxSize}), got ${minSize}`);
  } else if (minSize !== undefined && maxSize !== undefined && desiredCapacity !== undefined && (desiredCapacity < minSize || desiredCapacity > maxSize)) {
    problems.add("fleet.desiredCapacity", `must be from fleet.minSize (${minSize}) to fleet.maxSize (${maxSize}), got ${desiredCapacity}`);
  }
  if (maxSize !== undefined && network) {
    const quota = GENEVE_TARGETS_PER_AZ * network.azs.length;
    if (maxSize > quota) {
      problems.add(
        "fleet.maxSize",
        `must be at most ${quota}: a GENEVE target group holds ${GENEVE_TARGETS_PER_AZ} targets per AZ and the fleet spans ${network.azs.length} AZ${network.azs.length === 1 ? "" : "s"}, got ${maxSize}`,
      );
    } else {
      const perAz = Math.ceil(maxSize / network.azs.length);
      for (const az of network.azs) {
        // Every address the stack places in the subnet: the GWLB's, the network's endpoints', the appliances'.
        const free = usableAwsAddresses(parseIpv4Cidr(network.subnetCidrs[az]));
        const taken = GWLB_ADDRESSES_PER_SUBNET + network.endpointAddressesPerSubnet;
        if (free < taken + perAz) {
          const takers = network.endpointAddressesPerSubnet > 0
            ? `the GWLB takes ${GWLB_ADDRESSES_PER_SUBNET} of them and the network's interface endpoints ${network.endpointAddressesPerSubnet}`
            : `the GWLB takes ${GWLB_ADDRESSES_PER_SUBNET} of them`;
          problems.add(
            "fleet.maxSize",
            `${maxSize} appliances put up to ${perAz} in ${az}, whose subnet ${network.subnetCidrs[az]} has ${free} usable addresses; ${takers}, so at most ${Math.max(0, free - taken)} remain for appliances`,
          );
        }
      }
    }
  }

  const rootVolumeSizeGiB = problems.integer("fleet.rootVolumeSizeGiB", args.rootVolumeSizeGiB ?? 16, ROOT_VOLUME_GIB_LIMITS.min, ROOT_VOLUME_GIB_LIMITS.max);
  const grace = problems.wholeNumber("fleet.healthCheckGracePeriodSeconds", args.healthCheckGracePeriodSeconds ?? 600);
  if (grace !== undefined && grace < MIN_GRACE_SECONDS) {
    problems.add("fleet.healthCheckGracePeriodSeconds", `must be at least ${MIN_GRACE_SECONDS}: a new appliance installs Node.js, nftables and the agent through SSM before its first health check can pass, got ${grace}`);
  }
  const minHealthyPercentage = problems.integer("fleet.minHealthyPercentage", args.minHealthyPercentage ?? 90, 0, 100);
  const detailedMonitoring = problems.optionalBoolean("fleet.detailedMonitoring", args.detailedMonitoring, true);
  const image = validateImage(problems, args.image);

  if (problems.list.length !== before) return undefined;
  return {
    architecture: instance!.architecture,
    instanceType: instance!.instanceType,
    minSize: minSize!,
    desiredCapacity: desiredCapacity!,
    maxSize: maxSize!,
    rootVolumeSizeGiB: rootVolumeSizeGiB!,
    healthCheckGracePeriodSeconds: grace!,
    minHealthyPercentage: minHealthyPercentage!,
    detailedMonitoring: detailedMonitoring!,
    image: image!,
  };
}

/** The fleet's image (see `GwlbFleetArgs.image`): every form but "latest" keeps the whole fleet on one image. */
function validateImage(problems: Problems, image: unknown): ValidatedImage | undefined {
  if (image === undefined) return { choice: "deployed" };
  if (image === "latest") return { choice: "latest-at-launch" };
  if (typeof image === "string" && AMI_ID_PATTERN.test(image)) return { choice: "pinned", reference: image };
  if (typeof image === "string" && VERSIONED_SSM_IMAGE_PATTERN.test(image)) return { choice: "versioned-parameter", reference: image };
  problems.add(
    "fleet.image",
    `must be an AMI id ("ami-0123456789abcdef0"), a versioned SSM parameter ("resolve:ssm:/NAME:VERSION"), "latest", or left out to pin the newest Amazon Linux 2023 image at deploy time, got ${describeValue(image)}`,
  );
  return undefined;
}
