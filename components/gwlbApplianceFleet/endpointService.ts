/** The VPC endpoint service that hubs attach their GWLB endpoints to, and who may attach. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Tags } from "../args/common";
import { ValidatedGwlbApplianceFleetArgs } from "../args/gwlbApplianceFleet";
import { ENDPOINT_SERVICE_PRINCIPAL_PATTERN } from "../rules/awsLimits";
import { tagsFor } from "../shared/tags";

/** A stable resource-name slug per principal, so reordering the list replaces nothing. */
export function principalSlug(principal: string): string {
  if (principal === "*") return "everyone";
  const match = ENDPOINT_SERVICE_PRINCIPAL_PATTERN.exec(principal);
  return match ? `${match[1]}-${match[2].replace("/", "-")}` : principal.replace(/[^A-Za-z0-9-]/g, "-");
}

export interface GwlbEndpointService {
  readonly endpointService: aws.ec2.VpcEndpointService;
  readonly allowedPrincipals: aws.ec2.VpcEndpointServiceAllowedPrinciple[];
}

export function createEndpointService(
  name: string,
  v: ValidatedGwlbApplianceFleetArgs,
  loadBalancer: aws.lb.LoadBalancer,
  parent: pulumi.Resource,
  tags: Tags | undefined,
): GwlbEndpointService {
  const opts = { parent };
  const endpointService = new aws.ec2.VpcEndpointService(`${name}-endpoint-service`, {
    acceptanceRequired: v.acceptanceRequired,
    gatewayLoadBalancerArns: [loadBalancer.arn],
    supportedIpAddressTypes: ["ipv4"],
    tags: tagsFor(`${name}-endpoint-service`, tags),
  }, opts);
  const allowedPrincipals = v.allowedPrincipals.map((principal) => new aws.ec2.VpcEndpointServiceAllowedPrinciple(`${name}-allow-${principalSlug(principal)}`, {
    vpcEndpointServiceId: endpointService.id,
    principalArn: principal,
  }, opts));
  return { endpointService, allowedPrincipals };
}
