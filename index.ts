/**
 * The Pulumi program: `pulumi up` per stack deploys the reference GWLB inspection topology
 * (Pulumi.<stack>.yaml sets the values, Pulumi.yaml documents every key and its default).
 */
import { readStackConfig } from "./program/config";
import { deployStack, stackOutputs } from "./program/stack";

const outputs = stackOutputs(deployStack(readStackConfig()));

export const albDnsNames = outputs.albDnsNames;
export const endpointServiceName = outputs.endpointServiceName;
export const gwlbArn = outputs.gwlbArn;
export const transitGatewayId = outputs.transitGatewayId;
export const endpointIds = outputs.endpointIds;
export const natPublicIps = outputs.natPublicIps;
export const endpointsAwaitingAcceptance = outputs.endpointsAwaitingAcceptance;
export const fleetAutoScalingGroupName = outputs.fleetAutoScalingGroupName;
export const fleetImage = outputs.fleetImage;
export const agent = outputs.agent;
