/** Longest-prefix match over VPC and transit gateway route tables. */
import { ipv4CidrContains, parseIpv4Cidr } from "../../common/cidr";
import { RouteTable, VpcRoute } from "../model/network";
import { TgwRoute, TgwRouteTable } from "../model/transitGateway";

export function containsAddress(cidr: string, address: string): boolean {
  return ipv4CidrContains(parseIpv4Cidr(cidr), parseIpv4Cidr(`${address}/32`));
}

/** The most specific route for `address`; on a tie the local route wins, as AWS evaluates it. */
export function matchVpcRoute(table: RouteTable, address: string): VpcRoute | undefined {
  const host = parseIpv4Cidr(`${address}/32`);
  let best: VpcRoute | undefined;
  for (const route of table.routes) {
    if (!ipv4CidrContains(route.cidr, host)) continue;
    if (!best || route.cidr.prefixLength > best.cidr.prefixLength || (route.cidr.prefixLength === best.cidr.prefixLength && route.target.kind === "local")) best = route;
  }
  return best;
}

/** The most specific transit gateway route; a static route beats a propagated one of the same length. */
export function matchTgwRoute(table: TgwRouteTable, address: string): TgwRoute | undefined {
  const host = parseIpv4Cidr(`${address}/32`);
  let best: TgwRoute | undefined;
  for (const route of table.routes) {
    if (!ipv4CidrContains(route.cidr, host)) continue;
    if (!best || route.cidr.prefixLength > best.cidr.prefixLength || (route.cidr.prefixLength === best.cidr.prefixLength && best.propagated && !route.propagated)) best = route;
  }
  return best;
}

/** RFC 1918 and the other ranges an internet gateway never routes to. */
export function isPrivateAddress(address: string): boolean {
  return ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16"].some((c) => containsAddress(c, address));
}
