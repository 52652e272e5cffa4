// Command-line parsing and flag validation, in process.
import { strict as assert } from "node:assert";
import { parseCommandLine, UsageError } from "../../../appliance-agent/src/cli/options";
import { readFlagOverrides } from "../../../appliance-agent/src/control/settings";

describe("agent: command line", () => {
  it("accepts --flag value and --flag=value, and merges repeated --gwlb-cidrs", () => {
    const parsed = parseCommandLine(["--config=/etc/a.json", "--gwlb-cidrs", "10.21.11.0/24", "--gwlb-cidrs=10.21.12.0/24", "--workers", "3"]);
    assert.equal(parsed.configFile, "/etc/a.json");
    const settings = readFlagOverrides(parsed.flags);
    assert.deepEqual(settings.gwlbCidrs!.map((c) => c.text), ["10.21.11.0/24", "10.21.12.0/24"]);
    assert.equal(settings.workers, 3);
  });

  it("rejects repeated single-valued flags and stray arguments", () => {
    assert.throws(() => parseCommandLine(["--config", "a", "--workers", "1", "--workers", "2"]), new UsageError("--workers given twice"));
    assert.throws(() => parseCommandLine(["--config", "a", "extra"]), new UsageError('unexpected argument "extra" (options start with --; see --help)'));
  });

  it("lists every problem of the flags at once", () => {
    const parsed = parseCommandLine(["--config", "a", "--listen-address", "::1", "--flow-logs", "maybe", "--socket-mode", "fast"]);
    assert.throws(() => readFlagOverrides(parsed.flags), {
      message:
        'command line is invalid:\n  - --listen-address: "::1" is not an IPv4 address (the GWLB\'s outer header is always IPv4)\n  - --flow-logs: "maybe" is not on/off\n  - --socket-mode: "fast" is not one of auto, reuseport, shared',
    });
  });
});
