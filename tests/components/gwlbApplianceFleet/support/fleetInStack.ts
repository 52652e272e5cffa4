// Run as a child process: builds a fleet under mocks for the stack named on the command line and
// prints the fleet tag its group propagates and the tag its association targets (JSON).
import { installMocks, recorder, settle } from "../../../support/mocks";

installMocks(process.argv[2]);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { GwlbApplianceFleet, InspectionVpc } = require("../../../../components") as typeof import("../../../../components");

void (async () => {
  const vpc = new InspectionVpc("appliance", { cidrBlock: "10.21.0.0/16", availabilityZones: ["ap-northeast-2a", "ap-northeast-2c"] });
  new GwlbApplianceFleet("appliance", { network: vpc });
  await settle();
  const group = recorder.one("aws:autoscaling/group:Group", "appliance-asg").inputs;
  const association = recorder.one("aws:ssm/association:Association", "appliance-agent").inputs;
  process.stdout.write(JSON.stringify({
    propagated: group.tags.filter((t: { propagateAtLaunch: boolean }) => t.propagateAtLaunch),
    targets: association.targets,
  }));
  process.exit(0);
})();
