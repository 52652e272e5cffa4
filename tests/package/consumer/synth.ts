// Runs ./index under Pulumi mocks and prints what it registered: the consumer's own stand-in for
// `pulumi preview`, using only the consumer's single @pulumi/pulumi.
import * as pulumi from "@pulumi/pulumi";

const registered: Array<{ type: string; name: string }> = [];
void pulumi.runtime.setMocks({
  newResource(args) {
    registered.push({ type: args.type, name: args.name });
    const id = `${args.name}-id`;
    const state: Record<string, unknown> = { ...args.inputs, id, arn: `arn:aws:mock:::${args.name}` };
    if (args.type === "awsx:ec2:Vpc") Object.assign(state, { vpcId: "vpc-legacy", privateSubnetIds: ["subnet-a", "subnet-b"] });
    if (args.type === "aws:lb/loadBalancer:LoadBalancer") state.dnsName = `${args.name}.elb.amazonaws.com`;
    if (args.type === "aws:ec2/vpcEndpointService:VpcEndpointService") state.serviceName = `com.amazonaws.vpce.${id}`;
    if (args.type === "aws:ec2/launchTemplate:LaunchTemplate") state.latestVersion = 1;
    if (args.type === "aws:s3/bucket:Bucket") state.bucket = `${args.name}-bucket`;
    if (args.type === "aws:ssm/document:Document") Object.assign(state, { name: args.name, latestVersion: "1" });
    return { id, state };
  },
  call(args) {
    switch (args.token) {
      case "aws:index/getRegion:getRegion": return { region: "eu-west-1", name: "eu-west-1" };
      case "aws:index/getPartition:getPartition": return { partition: "aws" };
      case "aws:ec2/getRouteTable:getRouteTable": return { id: `rtb-of-${args.inputs.subnetId}` };
      case "aws:ssm/getParameter:getParameter": return { name: args.inputs.name, value: "ami-0123456789abcdef0" };
      case "aws:index/getCallerIdentity:getCallerIdentity": return { accountId: "123456789012", arn: "arn:aws:iam::123456789012:user/deployer" };
      case "aws:iam/getSessionContext:getSessionContext": return { arn: args.inputs.arn, issuerArn: args.inputs.arn };
      default: throw new Error(`unexpected invoke ${args.token}`);
    }
  },
}, "consumer", "test", false);

// eslint-disable-next-line @typescript-eslint/no-require-imports
const program = require("./index") as Record<string, unknown>;
pulumi.output(program).apply(async (outputs) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs();
  const counts: Record<string, number> = {};
  for (const r of registered) counts[r.type] = (counts[r.type] ?? 0) + 1;
  console.log(JSON.stringify({ total: registered.length, components: registered.filter((r) => r.type.startsWith("gwlb:")).map((r) => `${r.type} ${r.name}`).sort(), outputs }));
});
