/**
 * Renders the recorded routes as readable lines ("table: destination -> target", by resource name),
 * so tests compare a whole route set with the seed's recipes in one exact assertion.
 */
import { recorder } from "./mocks";

function nameOf(id: unknown): string {
  if (typeof id !== "string") return `?${String(id)}`;
  return recorder.byId(id)?.name ?? id;
}

/** VPC routes: "<route table>: <destination> -> <target>". */
export function vpcRouteLines(): string[] {
  return recorder.ofType("aws:ec2/route:Route").map((r) => {
    const i = r.inputs;
    const target = i.gatewayId ?? i.vpcEndpointId ?? i.natGatewayId ?? i.transitGatewayId ?? i.networkInterfaceId;
    return `${nameOf(i.routeTableId)}: ${i.destinationCidrBlock} -> ${nameOf(target)}`;
  }).sort();
}

/** Transit gateway routes: "<tgw route table>: <destination> -> <attachment | blackhole>". */
export function tgwRouteLines(): string[] {
  return recorder.ofType("aws:ec2transitgateway/route:Route").map((r) => {
    const i = r.inputs;
    return `${nameOf(i.transitGatewayRouteTableId)}: ${i.destinationCidrBlock} -> ${i.blackhole ? "blackhole" : nameOf(i.transitGatewayAttachmentId)}`;
  }).sort();
}

/** Route table associations: "<route table> <- <subnet or gateway>". */
export function associationLines(): string[] {
  const vpc = recorder.ofType("aws:ec2/routeTableAssociation:RouteTableAssociation").map((a) =>
    `${nameOf(a.inputs.routeTableId)} <- ${nameOf(a.inputs.subnetId ?? a.inputs.gatewayId)}`);
  const tgw = recorder.ofType("aws:ec2transitgateway/routeTableAssociation:RouteTableAssociation").map((a) =>
    `${nameOf(a.inputs.transitGatewayRouteTableId)} <- ${nameOf(a.inputs.transitGatewayAttachmentId)}`);
  return [...vpc, ...tgw].sort();
}
