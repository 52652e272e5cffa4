/** Launch template settings every EC2 instance of the components shares. */
import { Architecture } from "../args/common";

/** The latest Amazon Linux 2023 image, resolved by EC2 from the SSM public parameter at launch (no look-up at preview). */
export function amazonLinuxImageId(architecture: Architecture): string {
  return `resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${architecture}`;
}

/** IMDSv2 only (session tokens required), reachable from the instance itself and not from containers behind it. */
export const IMDSV2_REQUIRED = { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 } as const;

/** An encrypted gp3 root volume on Amazon Linux's root device, deleted with the instance. */
export function encryptedRootVolume(sizeGiB: number) {
  return { deviceName: "/dev/xvda", ebs: { volumeType: "gp3", volumeSize: sizeGiB, encrypted: "true", deleteOnTermination: "true" } };
}
