/**
 * How the appliances reach AWS's services: through an internet gateway (the seed's way), or, in
 * the private default, through interface endpoints for SSM and CloudWatch Logs and an S3 gateway
 * endpoint, with no path to the internet at all.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Tags } from "../args/common";
import { ServiceEndpoints, ValidatedInspectionVpcArgs } from "../args/inspectionVpc";
import { APPLIANCE_INTERFACE_ENDPOINT_SERVICES } from "../rules/inspectionVpc";
import { ANYWHERE } from "../rules/routeRecipes";
import { tagsFor } from "../shared/tags";
import { ApplianceNetwork } from "./network";

/** The internet gateway and the default route to it. */
export function createInternetAccess(name: string, network: ApplianceNetwork, parent: pulumi.Resource, tags: Tags | undefined): void {
  const opts = { parent };
  const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: network.vpc.id, tags: tagsFor(`${name}-igw`, tags) }, opts);
  new aws.ec2.Route(`${name}-default-route`, { routeTableId: network.routeTable.id, destinationCidrBlock: ANYWHERE, gatewayId: igw.id }, opts);
}

export interface CreatedServiceEndpoints extends ServiceEndpoints {
  /** Interface endpoints by service short name. */
  readonly interfaceEndpoints: Record<string, aws.ec2.VpcEndpoint>;
}

/** Interface endpoints in every appliance subnet, and the S3 gateway endpoint. */
export function createServiceEndpoints(
  name: string,
  v: ValidatedInspectionVpcArgs,
  network: ApplianceNetwork,
  parent: pulumi.Resource,
  tags: Tags | undefined,
): CreatedServiceEndpoints {
  const opts = { parent };
  const region = aws.getRegionOutput({}, opts).region;
  const endpointSg = new aws.ec2.SecurityGroup(`${name}-endpoints-sg`, {
    vpcId: network.vpc.id,
    description: "HTTPS from the appliance VPC to its AWS service endpoints",
    tags: tagsFor(`${name}-endpoints-sg`, tags),
  }, opts);
  new aws.vpc.SecurityGroupIngressRule(`${name}-endpoints-https-in`, {
    securityGroupId: endpointSg.id,
    ipProtocol: "tcp",
    fromPort: 443,
    toPort: 443,
    cidrIpv4: v.cidrBlock,
    description: "HTTPS from the appliance VPC",
  }, opts);
  const endpoints: Record<string, aws.ec2.VpcEndpoint> = {};
  for (const service of APPLIANCE_INTERFACE_ENDPOINT_SERVICES) {
    endpoints[service] = new aws.ec2.VpcEndpoint(`${name}-${service}-endpoint`, {
      vpcId: network.vpc.id,
      serviceName: pulumi.interpolate`com.amazonaws.${region}.${service}`,
      vpcEndpointType: "Interface",
      privateDnsEnabled: true,
      subnetIds: v.availabilityZones.map((az) => network.subnets[az].id),
      securityGroupIds: [endpointSg.id],
      tags: tagsFor(`${name}-${service}-endpoint`, tags),
    }, opts);
  }
  const s3 = new aws.ec2.VpcEndpoint(`${name}-s3-endpoint`, {
    vpcId: network.vpc.id,
    serviceName: pulumi.interpolate`com.amazonaws.${region}.s3`,
    vpcEndpointType: "Gateway",
    routeTableIds: [network.routeTable.id],
    tags: tagsFor(`${name}-s3-endpoint`, tags),
  }, opts);
  return { interfaceEndpoints: endpoints, securityGroupId: endpointSg.id, s3PrefixListId: s3.prefixListId };
}
