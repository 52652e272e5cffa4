// Command line of the appliance agent: option parsing and --help. The setting flags come from
// the control plane's SETTINGS table, so --help and validation cannot drift apart.

import { SETTINGS, defaultSettings, defaultText } from "../control/settings";

export const AGENT_VERSION = "0.1.0";

export class UsageError extends Error {}

export interface ParsedCommandLine {
  readonly help: boolean;
  readonly version: boolean;
  readonly configFile?: string;
  readonly ssmParameter?: string;
  /** Setting flags as given (flag -> raw value); validated by readFlagOverrides. */
  readonly flags: Map<string, string>;
}

const SETTING_FLAGS = new Set(SETTINGS.map((spec) => spec.flag));

/** Splits argv into known options; `--flag value` and `--flag=value` both work. */
export function parseCommandLine(argv: readonly string[]): ParsedCommandLine {
  const flags = new Map<string, string>();
  let configFile: string | undefined;
  let ssmParameter: string | undefined;
  let help = false;
  let version = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") {
      help = true;
      continue;
    }
    if (arg === "--version") {
      version = true;
      continue;
    }
    if (!arg.startsWith("--")) throw new UsageError(`unexpected argument ${JSON.stringify(arg)} (options start with --; see --help)`);
    const equals = arg.indexOf("=");
    const name = equals >= 0 ? arg.slice(0, equals) : arg;
    if (name !== "--config" && name !== "--ssm-parameter" && !SETTING_FLAGS.has(name)) {
      throw new UsageError(`unknown option ${name} (see --help)`);
    }
    let value: string;
    if (equals >= 0) {
      value = arg.slice(equals + 1);
    } else {
      if (i + 1 >= argv.length || argv[i + 1].startsWith("--")) throw new UsageError(`${name} needs a value`);
      value = argv[++i];
    }
    if (value === "") throw new UsageError(`${name} needs a non-empty value`);
    if (name === "--config") configFile = value;
    else if (name === "--ssm-parameter") ssmParameter = value;
    else if (name === "--gwlb-cidrs" && flags.has(name)) flags.set(name, `${flags.get(name)},${value}`);
    else if (flags.has(name)) throw new UsageError(`${name} given twice`);
    else flags.set(name, value);
  }
  if (!help && !version) {
    if (configFile !== undefined && ssmParameter !== undefined) throw new UsageError("give either --config or --ssm-parameter, not both");
    if (configFile === undefined && ssmParameter === undefined) throw new UsageError("one of --config <file> or --ssm-parameter <name> is required");
  }
  return { help, version, configFile, ssmParameter, flags };
}

export function helpText(): string {
  const defaults = defaultSettings();
  const rows: Array<[string, string]> = [
    ["--config <file>", "policy document (JSON) to load and watch; reloaded on change and on SIGHUP"],
    ["--ssm-parameter <name>", "read the policy document from this SSM parameter (decrypted) and poll it"],
    ...SETTINGS.map((spec): [string, string] => [`${spec.flag} <${spec.kind === "cidrs" ? "cidr,..." : spec.kind === "bool" ? "on|off" : "value"}>`, `${spec.help} (default: ${defaultText(spec, defaults)})`]),
    ["--help, -h", "show this help"],
    ["--version", "print the version"],
  ];
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return [
    `appliance-agent ${AGENT_VERSION}: GENEVE forwarder with inspection policy for AWS Gateway Load Balancer targets`,
    "",
    "usage: appliance-agent (--config <file> | --ssm-parameter <name>) [options]",
    "",
    "Receives GWLB traffic on UDP 6081, applies the policy to each flow, and returns allowed",
    "packets unchanged (source port = the GWLB's source port, destination port 6081).",
    "Settings may also be set in the document's \"agent\" section; options override them.",
    "",
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`),
    "",
    "Signals: SIGTERM drains (health 503, keep forwarding --drain-seconds, exit 0);",
    "SIGHUP reloads the policy; SIGINT stops at once.",
    "HTTP: /health (also /) answers 200 or 503; /metrics serves Prometheus text.",
    "Exit codes: 0 stopped, 1 runtime failure, 2 bad command line or document.",
    "",
  ].join("\n");
}
