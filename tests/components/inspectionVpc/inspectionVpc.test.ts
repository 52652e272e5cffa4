import * as assert from "node:assert/strict";
import { installMocks, recorder, settle } from "../../support/mocks";

installMocks();
// Imported after the mocks are installed, as a Pulumi program would be.
import { InspectionVpc } from "../../../components";

const AZS = ["ap-northeast-2a", "ap-northeast-2c"];

describe("InspectionVpc", () => {
  beforeEach(() => recorder.reset());

  it("builds a private appliance VPC with per-AZ subnets and SSM/logs/S3 endpoints by default", async () => {
    const vpc = new InspectionVpc("appliance", { cidrBlock: "10.21.0.0/16", availabilityZones: AZS });
    await settle();

    assert.deepEqual(recorder.countsByType(), {
      "aws:ec2/routeTable:RouteTable": 1,
      "aws:ec2/routeTableAssociation:RouteTableAssociation": 2,
      "aws:ec2/securityGroup:SecurityGroup": 1,
      "aws:ec2/subnet:Subnet": 2,
      "aws:ec2/vpc:Vpc": 1,
      "aws:ec2/vpcEndpoint:VpcEndpoint": 5,
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 1,
      "gwlb:network:InspectionVpc": 1,
    });
    assert.deepEqual(recorder.one("aws:ec2/vpc:Vpc", "appliance-vpc").inputs, {
      cidrBlock: "10.21.0.0/16",
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: "appliance-vpc" },
    });
    const a = recorder.one("aws:ec2/subnet:Subnet", "appliance-appliance-2a").inputs;
    const c = recorder.one("aws:ec2/subnet:Subnet", "appliance-appliance-2c").inputs;
    assert.deepEqual([a.availabilityZone, a.cidrBlock, a.mapPublicIpOnLaunch], ["ap-northeast-2a", "10.21.11.0/24", false]);
    assert.deepEqual([c.availabilityZone, c.cidrBlock, c.mapPublicIpOnLaunch], ["ap-northeast-2c", "10.21.13.0/24", false]);
    assert.deepEqual(vpc.subnetCidrs, { "ap-northeast-2a": "10.21.11.0/24", "ap-northeast-2c": "10.21.13.0/24" });

    const endpoints = recorder.ofType("aws:ec2/vpcEndpoint:VpcEndpoint").map((e) => [e.name, e.inputs.serviceName, e.inputs.vpcEndpointType, e.inputs.privateDnsEnabled ?? null]).sort();
    assert.deepEqual(endpoints, [
      ["appliance-ec2messages-endpoint", "com.amazonaws.ap-northeast-2.ec2messages", "Interface", true],
      ["appliance-logs-endpoint", "com.amazonaws.ap-northeast-2.logs", "Interface", true],
      ["appliance-s3-endpoint", "com.amazonaws.ap-northeast-2.s3", "Gateway", null],
      ["appliance-ssm-endpoint", "com.amazonaws.ap-northeast-2.ssm", "Interface", true],
      ["appliance-ssmmessages-endpoint", "com.amazonaws.ap-northeast-2.ssmmessages", "Interface", true],
    ]);
    const https = recorder.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "appliance-endpoints-https-in").inputs;
    assert.deepEqual([https.ipProtocol, https.fromPort, https.toPort, https.cidrIpv4], ["tcp", 443, 443, "10.21.0.0/16"]);
    assert.equal(recorder.ofType("aws:ec2/internetGateway:InternetGateway").length, 0);
  });

  it("adds an internet gateway and default route instead of endpoints in the seed's public variant", async () => {
    new InspectionVpc("pub", { cidrBlock: "10.21.0.0/16", availabilityZones: AZS, internetAccess: "igw" });
    await settle();
    assert.deepEqual(recorder.names("aws:ec2/internetGateway:InternetGateway"), ["pub-igw"]);
    const route = recorder.one("aws:ec2/route:Route", "pub-default-route").inputs;
    assert.equal(route.destinationCidrBlock, "0.0.0.0/0");
    assert.equal(route.gatewayId, recorder.ofType("aws:ec2/internetGateway:InternetGateway")[0].id);
    assert.equal(recorder.ofType("aws:ec2/vpcEndpoint:VpcEndpoint").length, 0);
  });

  it("creates flow logs with a role that only this account's flow logs may assume and that may write only to its own log group", async () => {
    new InspectionVpc("fl", { cidrBlock: "10.21.0.0/16", availabilityZones: AZS, flowLogs: { retentionInDays: 14 } });
    await settle();
    const group = recorder.one("aws:cloudwatch/logGroup:LogGroup", "fl-flow-logs");
    assert.equal(group.inputs.retentionInDays, 14);
    const groupArn = "arn:aws:logs:ap-northeast-2:123456789012:log-group:fl-flow-logs";
    assert.deepEqual(JSON.parse(recorder.one("aws:iam/role:Role", "fl-flow-logs-role").inputs.assumeRolePolicy), {
      Version: "2012-10-17",
      Statement: [{
        Effect: "Allow",
        Principal: { Service: "vpc-flow-logs.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": "123456789012" },
          ArnLike: { "aws:SourceArn": "arn:aws:ec2:ap-northeast-2:123456789012:vpc-flow-log/*" },
        },
      }],
    });
    assert.deepEqual(JSON.parse(recorder.one("aws:iam/rolePolicy:RolePolicy", "fl-flow-logs-policy").inputs.policy), {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource: [groupArn, `${groupArn}:*`] }],
    });
    const log = recorder.one("aws:ec2/flowLog:FlowLog", "fl-flow-log").inputs;
    assert.deepEqual([log.trafficType, log.logDestinationType, log.logDestination], ["ALL", "cloud-watch-logs", groupArn]);
  });

});
