/** Per AZ: the GWLB endpoint (alone in its subnet) with its acceptance, and the NAT gateway with its Elastic IP. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ValidatedCentralEgressArgs } from "../args/centralEgress";
import { Tags } from "../args/common";
import { azSuffix } from "../rules/availabilityZones";
import { tagsFor } from "../shared/tags";
import { HubSubnets } from "./subnets";

export interface AzGateways {
  /** AZ -> GWLB endpoint */
  readonly endpoints: Record<string, aws.ec2.VpcEndpoint>;
  /** AZ -> the acceptance of that endpoint's connection, when the hub accepts it itself. */
  readonly acceptances: Record<string, aws.ec2.VpcEndpointConnectionAccepter>;
  /** AZ -> NAT gateway */
  readonly natGateways: Record<string, aws.ec2.NatGateway>;
  /** AZ -> the NAT gateway's public address */
  readonly natPublicIps: Record<string, pulumi.Output<string>>;
}

export function createAzGateways(
  name: string,
  v: ValidatedCentralEgressArgs,
  vpc: aws.ec2.Vpc,
  hubSubnets: HubSubnets,
  service: { readonly endpointServiceName: pulumi.Input<string>; readonly endpointServiceId?: pulumi.Input<string> },
  internetGateway: aws.ec2.InternetGateway,
  parent: pulumi.Resource,
  tags: Tags | undefined,
): AzGateways {
  const gateways: AzGateways = { endpoints: {}, acceptances: {}, natGateways: {}, natPublicIps: {} };
  for (const az of v.availabilityZones) {
    const s = azSuffix(az);
    // One endpoint per AZ, alone in its subnet, so every route can stay inside its AZ.
    gateways.endpoints[az] = new aws.ec2.VpcEndpoint(`${name}-endpoint-${s}`, {
      vpcId: vpc.id,
      serviceName: service.endpointServiceName,
      vpcEndpointType: "GatewayLoadBalancer",
      subnetIds: [hubSubnets.subnets.gwlbe[az].id],
      tags: tagsFor(`${name}-endpoint-${s}`, tags),
    }, { parent });
    if (v.endpointAcceptance === "by-hub") {
      // The service is this stack's: accept the connection here, or the endpoint stays "pending
      // acceptance" and every route to it fails.
      gateways.acceptances[az] = new aws.ec2.VpcEndpointConnectionAccepter(`${name}-endpoint-accept-${s}`, {
        vpcEndpointServiceId: service.endpointServiceId!,
        vpcEndpointId: gateways.endpoints[az].id,
      }, { parent });
    }
    const eip = new aws.ec2.Eip(`${name}-nat-eip-${s}`, { domain: "vpc", tags: tagsFor(`${name}-nat-eip-${s}`, tags) }, { parent, dependsOn: [internetGateway] });
    gateways.natGateways[az] = new aws.ec2.NatGateway(`${name}-nat-${s}`, {
      allocationId: eip.id,
      subnetId: hubSubnets.subnets.public[az].id,
      connectivityType: "public",
      tags: tagsFor(`${name}-nat-${s}`, tags),
    }, { parent });
    gateways.natPublicIps[az] = eip.publicIp;
  }
  return gateways;
}
