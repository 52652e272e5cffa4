// Running the agent as a command: exit codes (2 for bad input, 1 for runtime failures) and the
// signals (SIGTERM drains, SIGHUP reloads, SIGINT stops).

import { Agent } from "../control/agent";
import { FilePolicySource, PolicySource, SsmPolicySource } from "../control/policy-source";
import { AgentSettings, readFlagOverrides, regionFromEnvironment } from "../control/settings";
import { ValidationError } from "../control/validation-error";
import { AGENT_VERSION, ParsedCommandLine, UsageError, helpText, parseCommandLine } from "./options";

/** Runs the agent as a command; resolves with the exit code once it has stopped. */
export async function runCommand(argv: readonly string[]): Promise<number> {
  let parsed: ParsedCommandLine;
  let flagSettings: Partial<AgentSettings>;
  try {
    parsed = parseCommandLine(argv);
    flagSettings = readFlagOverrides(parsed.flags);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ValidationError) {
      process.stderr.write(`appliance-agent: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (parsed.help) {
    process.stdout.write(helpText());
    return 0;
  }
  if (parsed.version) {
    process.stdout.write(`${AGENT_VERSION}\n`);
    return 0;
  }
  const source: PolicySource =
    parsed.configFile !== undefined
      ? new FilePolicySource(parsed.configFile)
      : new SsmPolicySource(parsed.ssmParameter!, flagSettings.region ?? regionFromEnvironment());
  const agent = new Agent({ source, flagSettings, retryInitialLoad: parsed.ssmParameter !== undefined });
  try {
    await agent.start();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`appliance-agent: ${message}\n`);
    await agent.stop().catch(() => undefined);
    return error instanceof ValidationError ? 2 : 1;
  }
  return new Promise<number>((resolve) => {
    process.on("SIGHUP", () => void agent.reload());
    process.on("SIGTERM", () => agent.beginDrain(() => resolve(0)));
    process.on("SIGINT", () => void agent.stop().then(() => resolve(0)));
  });
}
