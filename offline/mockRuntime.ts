/**
 * A recording Pulumi mock runtime: the offline synthesizer and the tests run the real program
 * against it. Every registration (with its parent and dependencies) and every invoke is recorded,
 * and each resource gets plausible computed outputs (ids, ARNs, DNS names) so dependent inputs resolve.
 * It is strict: an invoke it does not know fails the program instead of echoing its inputs.
 *
 * `installMocks()` must run before a component module is used; `settle()` waits for every pending
 * registration, so the record holds the whole resource graph.
 */
import * as pulumi from "@pulumi/pulumi";
// waitForRPCs is exported at run time but marked internal in the typings.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

export const PROJECT = "gwlb-inspection";
export const REGION = "ap-northeast-2";
export const ACCOUNT = "123456789012";
/** What the mocked public SSM parameters name as the newest Amazon Linux 2023 images. */
export const MOCK_AL2023_IMAGES = { x86_64: "ami-0a1b2c3d4e5f60718", arm64: "ami-0f1e2d3c4b5a69788" } as const;

export interface Registration {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly id: string;
  /** What the mock provider returned: the inputs plus computed ids, ARNs and addresses. */
  outputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** URN of the parent resource ("" for the stack itself). */
  parentUrn: string;
  /** URNs this resource waits for: explicit dependsOn and every resource whose output feeds an input. */
  dependencies: string[];
  urn: string;
}

export interface Invocation {
  readonly token: string;
  readonly inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

class Recorder {
  registrations: Registration[] = [];
  invocations: Invocation[] = [];
  private counter = 0;

  reset(): void {
    this.registrations = [];
    this.invocations = [];
  }

  nextId(prefix: string): string {
    this.counter += 1;
    return `${prefix}-${this.counter.toString(16).padStart(8, "0")}`;
  }

  ofType(type: string): Registration[] {
    return this.registrations.filter((r) => r.type === type);
  }

  /** The single registration of `type` named `name`; throws with the known names otherwise. */
  one(type: string, name: string): Registration {
    const found = this.registrations.filter((r) => r.type === type && r.name === name);
    if (found.length !== 1) {
      const names = this.ofType(type).map((r) => r.name);
      throw new Error(`expected one ${type} named ${name}, found ${found.length}; registered: ${names.join(", ")}`);
    }
    return found[0];
  }

  names(type: string): string[] {
    return this.ofType(type).map((r) => r.name).sort();
  }

  /** Resource count per type, sorted by type: the shape of a synthesized stack. */
  countsByType(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of this.registrations) counts[r.type] = (counts[r.type] ?? 0) + 1;
    return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
  }

  byId(id: string): Registration | undefined {
    return this.registrations.find((r) => r.id === id);
  }

  byUrn(urn: string): Registration | undefined {
    return this.registrations.find((r) => r.urn === urn);
  }
}

export const recorder = new Recorder();

const ID_PREFIX: Record<string, string> = {
  "aws:ec2/vpc:Vpc": "vpc",
  "aws:ec2/subnet:Subnet": "subnet",
  "aws:ec2/routeTable:RouteTable": "rtb",
  "aws:ec2/internetGateway:InternetGateway": "igw",
  "aws:ec2/natGateway:NatGateway": "nat",
  "aws:ec2/eip:Eip": "eipalloc",
  "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce",
  "aws:ec2/vpcEndpointService:VpcEndpointService": "vpce-svc",
  "aws:ec2/securityGroup:SecurityGroup": "sg",
  "aws:ec2/launchTemplate:LaunchTemplate": "lt",
  "aws:ec2transitgateway/transitGateway:TransitGateway": "tgw",
  "aws:ec2transitgateway/vpcAttachment:VpcAttachment": "tgw-attach",
  "aws:ec2transitgateway/routeTable:RouteTable": "tgw-rtb",
};

/** Computed outputs a real provider would return, derived from the inputs. */
function computedState(type: string, name: string, id: string, inputs: Record<string, any>): Record<string, unknown> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const arn = `arn:aws:mock:${REGION}:${ACCOUNT}:${type.split(":").pop()?.toLowerCase()}/${id}`;
  const state: Record<string, unknown> = { arn, id };
  switch (type) {
    case "aws:lb/loadBalancer:LoadBalancer":
      state.arn = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/${inputs.loadBalancerType === "gateway" ? "gwy" : inputs.loadBalancerType === "network" ? "net" : "app"}/${name}/${id}`;
      state.dnsName = `${name}-${id}.elb.${REGION}.amazonaws.com`;
      state.name = name;
      state.arnSuffix = String(state.arn).split(":loadbalancer/")[1];
      break;
    case "aws:lb/targetGroup:TargetGroup":
      state.arn = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/${name}/${id}`;
      state.arnSuffix = `targetgroup/${name}/${id}`;
      break;
    case "aws:ec2/vpcEndpointService:VpcEndpointService":
      state.serviceName = `com.amazonaws.vpce.${REGION}.${id}`;
      break;
    case "aws:ec2/vpcEndpoint:VpcEndpoint":
      // A gateway endpoint (S3, DynamoDB) publishes the service's prefix list for security group rules.
      if (inputs.vpcEndpointType === "Gateway") state.prefixListId = `pl-${id.slice(-8)}`;
      break;
    case "aws:ec2/eip:Eip":
      state.publicIp = `203.0.113.${(parseInt(id.slice(-4), 16) % 250) + 1}`;
      break;
    case "aws:ec2/launchTemplate:LaunchTemplate":
      state.latestVersion = 1;
      break;
    case "aws:autoscaling/group:Group":
      state.name = name;
      break;
    case "aws:iam/role:Role":
      state.arn = `arn:aws:iam::${ACCOUNT}:role/${name}`;
      state.name = name;
      break;
    case "aws:iam/instanceProfile:InstanceProfile":
      state.arn = `arn:aws:iam::${ACCOUNT}:instance-profile/${name}`;
      state.name = name;
      break;
    case "aws:cloudwatch/logGroup:LogGroup":
      state.name = inputs.name ?? name;
      state.arn = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${state.name}`;
      break;
    case "aws:ssm/document:Document":
      state.name = inputs.name ?? name;
      state.arn = `arn:aws:ssm:${REGION}:${ACCOUNT}:document/${state.name}`;
      state.latestVersion = "1";
      state.defaultVersion = "1";
      break;
    case "aws:ssm/parameter:Parameter":
      state.arn = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${inputs.name}`;
      break;
    case "aws:ssm/association:Association":
      state.associationId = `assoc-${id.slice(-8)}`;
      break;
    case "aws:kms/key:Key":
      state.arn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`;
      state.keyId = id;
      break;
    case "awsx:ec2:Vpc": {
      // A remote component: under mocks its outputs are whatever the mock returns, so derive the ones spokes use.
      const azs: string[] = inputs.availabilityZoneNames ?? [];
      state.vpcId = `vpc-${id.slice(-8)}`;
      state.privateSubnetIds = azs.map((_, i) => `subnet-${id.slice(-6)}p${i}`);
      state.publicSubnetIds = [];
      state.isolatedSubnetIds = [];
      break;
    }
    case "aws:s3/bucketV2:BucketV2":
    case "aws:s3/bucket:Bucket":
      state.bucket = inputs.bucket ?? `${name}-${id.slice(-8)}`;
      state.arn = `arn:aws:s3:::${state.bucket}`;
      break;
  }
  return state;
}

/** Results for the invokes the components make. */
function callResult(token: string, inputs: Record<string, any>): Record<string, unknown> { // eslint-disable-line @typescript-eslint/no-explicit-any
  switch (token) {
    case "aws:index/getRegion:getRegion":
      return { region: REGION, name: REGION, id: REGION, endpoint: `ec2.${REGION}.amazonaws.com`, description: "Asia Pacific (Seoul)" };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/test`, userId: "AIDATEST", id: ACCOUNT };
    case "aws:iam/getSessionContext:getSessionContext":
      // The mocks' caller is a user, whose session context is itself.
      return { arn: inputs.arn, issuerArn: inputs.arn, issuerId: "AIDATEST", issuerName: "test", sessionName: "", id: inputs.arn };
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws", reverseDnsPrefix: "com.amazonaws" };
    case "aws:ssm/getParameter:getParameter":
      // The newest Amazon Linux 2023 image per architecture, as AWS's public parameters name it.
      if (/^\/aws\/service\/ami-amazon-linux-latest\/al2023-ami-kernel-default-(x86_64|arm64)$/.test(inputs.name)) {
        const value = inputs.name.endsWith("arm64") ? MOCK_AL2023_IMAGES.arm64 : MOCK_AL2023_IMAGES.x86_64;
        return { name: inputs.name, value, insecureValue: value, type: "String", version: 101, arn: `arn:aws:ssm:${REGION}::parameter${inputs.name}`, id: inputs.name, withDecryption: true };
      }
      throw new Error(`unexpected SSM parameter ${inputs.name}`);
    case "aws:ec2/getRouteTable:getRouteTable":
      return { ...inputs, id: `rtb-of-${inputs.subnetId}`, routeTableId: `rtb-of-${inputs.subnetId}` };
    default:
      // Strict: an invoke the components are not known to make is a defect, not something to echo.
      throw new Error(`unexpected invoke ${token} with ${JSON.stringify(inputs)}: the mock runtime answers only the invokes the components make`);
  }
}

let installed = false;

/** Installs the recording mocks once per process (mocha runs every spec file in one process). */
export function installMocks(stack = "test"): void {
  if (installed) return;
  installed = true;
  void pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        const prefix = ID_PREFIX[args.type] ?? args.type.split(":").pop()!.toLowerCase();
        const id = args.custom === false ? "" : recorder.nextId(prefix);
        const state = { ...args.inputs, ...computedState(args.type, args.name, id, args.inputs) };
        recorder.registrations.push({ type: args.type, name: args.name, inputs: args.inputs, outputs: state, id, parentUrn: "", dependencies: [], urn: "" });
        return { id, state };
      },
      call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        recorder.invocations.push({ token: args.token, inputs: args.inputs });
        return callResult(args.token, args.inputs);
      },
    },
    PROJECT,
    stack,
    false,
  );
  recordGraphEdges();
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getDependenciesList(): string[];
}
interface MonitorWithRegister {
  registerResource(req: RegisterRequest, callback: (err: unknown, response: { getUrn(): string } | undefined) => void): Promise<void>;
}

/**
 * The mock API hands newResource neither the parent nor the dependencies, but the mock monitor sees
 * both: wrap its registerResource to copy them (and the URN) onto the matching record.
 */
function recordGraphEdges(): void {
  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorWithRegister;
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) =>
    original(req, (err, response) => {
      if (!err && response) {
        const record = [...recorder.registrations].reverse().find((r) => r.type === req.getType() && r.name === req.getName() && r.urn === "");
        if (record) {
          record.urn = response.getUrn();
          record.parentUrn = req.getParent();
          record.dependencies = req.getDependenciesList();
        }
      }
      callback(err, response);
    });
}

/** Waits until every registration and invoke in flight has reached the mocks. */
export async function settle(): Promise<void> {
  await settings.waitForRPCs();
}

/** Resolves an Output to its value (under mocks every value is known). */
export function valueOf<T>(output: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(output).apply((v) => { resolve(v as T); return v; }));
}
