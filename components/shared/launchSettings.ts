/** Launch template settings every EC2 instance of the components shares. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Architecture } from "../args/common";
import { ValidatedImage } from "../args/gwlbApplianceFleet";

/** AWS's public SSM parameter that names the newest Amazon Linux 2023 image of an architecture. */
export function amazonLinuxImageParameter(architecture: Architecture): string {
  return `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${architecture}`;
}

/** The latest Amazon Linux 2023 image, resolved by EC2 from the SSM public parameter at every launch (no look-up at preview). */
export function amazonLinuxImageId(architecture: Architecture): string {
  return `resolve:ssm:${amazonLinuxImageParameter(architecture)}`;
}

/** The image id a launch template gets for a validated choice; "deployed" reads the newest at deploy time. */
export function launchImageId(image: ValidatedImage, architecture: Architecture, opts: pulumi.InvokeOutputOptions): pulumi.Output<string> {
  switch (image.choice) {
    case "deployed": return aws.ssm.getParameterOutput({ name: amazonLinuxImageParameter(architecture) }, opts).value;
    case "latest-at-launch": return pulumi.output(amazonLinuxImageId(architecture));
    default: return pulumi.output(image.reference!);
  }
}

/** IMDSv2 only (session tokens required), reachable from the instance itself and not from containers behind it. */
export const IMDSV2_REQUIRED = { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 } as const;

/** An encrypted gp3 root volume on Amazon Linux's root device, deleted with the instance. */
export function encryptedRootVolume(sizeGiB: number) {
  return { deviceName: "/dev/xvda", ebs: { volumeType: "gp3", volumeSize: sizeGiB, encrypted: "true", deleteOnTermination: "true" } };
}
