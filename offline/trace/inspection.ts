/**
 * Crossing a GWLB endpoint: endpoint -> endpoint service -> gateway load balancer -> an appliance
 * (GENEVE, UDP 6081) -> back to the same endpoint. The appliance is AWS's choice (any AZ with
 * cross-zone load balancing, else the endpoint's), sticky for the flow, so both directions share it.
 */
import { GENEVE_PORT } from "../../common/contract";
import { GwlbEndpoint } from "../model/network";
import type { TraceContext } from "./forwarding";
import { Hop } from "./types";

export function crossEndpoint(ctx: TraceContext, endpoint: GwlbEndpoint, conversation: string): { hop: Hop; failure?: string } {
  const { model } = ctx;
  const az = model.subnets.get(endpoint.subnetIds[0])?.az ?? "?";
  const vpc = model.vpcs.get(endpoint.vpcId)?.name;
  const endpointPlace = { id: endpoint.id, label: `GWLB endpoint ${endpoint.name}`, vpc, az };
  const base = { kind: "endpoint" as const, entry: endpoint.name, az, endpointId: endpoint.id, endpointName: endpoint.name, places: [endpointPlace] };
  const service = model.endpointServices.find((s) => s.serviceName !== "" && s.serviceName === endpoint.serviceName);
  if (!service) {
    // The service may live in another stack: the endpoint is still crossed, its appliances are not traced.
    return { hop: { ...base, text: `${endpoint.name} -> ${endpoint.serviceName || "its endpoint service"} (not in this graph) -> ${endpoint.name}` } };
  }
  const gwlb = model.loadBalancing.loadBalancers.find((lb) => lb.kind === "gateway" && service.gatewayLoadBalancerArns.includes(lb.arn));
  if (!gwlb) return { hop: { ...base, text: `${endpoint.name} -> ${service.name}` }, failure: `${service.name} fronts no gateway load balancer in the graph` };
  const gwlbAzs = gwlb.nodes.map((n) => model.subnets.get(n.subnetId)?.az).filter((x): x is string => x !== undefined);
  const applianceSubnets = gwlb.targetGroupArns.flatMap((arn) => model.loadBalancing.targetGroups.get(arn)?.instanceSubnetIds ?? []);
  const applianceAzs = [...new Set(applianceSubnets.map((id) => model.subnets.get(id)?.az).filter((x): x is string => x !== undefined))];
  const prefix = `${endpoint.name} -> ${service.name} -> ${gwlb.name}`;
  if (!gwlbAzs.includes(az)) {
    return { hop: { ...base, text: prefix }, failure: `${endpoint.name} is in ${az}, where ${gwlb.name} has no subnet` };
  }
  const candidates = gwlb.crossZone ? applianceAzs : applianceAzs.filter((x) => x === az);
  if (candidates.length === 0) {
    return { hop: { ...base, text: prefix }, failure: `${gwlb.name} has no appliance ${gwlb.crossZone ? "registered" : `in ${az} (cross-zone load balancing is off)`}` };
  }
  const appliance = ctx.choose(`appliance|${gwlb.arn}|${conversation}`, "appliance", candidates, (x) => x);
  const applianceVpc = model.vpcs.get(model.subnets.get(gwlb.nodes[0]?.subnetId ?? "")?.vpcId ?? "")?.name;
  // The load balancer and its appliances drawn as one place: the excursion is two edges, not four.
  const appliancePlace = { id: `appliances:${gwlb.arn}:${appliance}`, label: `GWLB ${gwlb.name}\nappliances in ${appliance}\n(GENEVE UDP ${GENEVE_PORT})`, vpc: applianceVpc, az: appliance };
  const places = [endpointPlace, appliancePlace, endpointPlace];
  return { hop: { ...base, places, text: `${prefix} -> appliance in ${appliance} (GENEVE UDP ${GENEVE_PORT}) -> ${endpoint.name}` } };
}
