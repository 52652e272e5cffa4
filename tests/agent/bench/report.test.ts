// The benchmark's report of a run, from the JSON a short real run wrote (its search probes
// removed): the capacity flood's rounds and the runs at twice the max under the medians, and "-"
// for runs that did not keep them.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import path from "node:path";
import { BenchResult, report } from "../../../appliance-agent/bench/report";

const fixture = (): BenchResult => JSON.parse(readFileSync(path.join(__dirname, "fixtures", "bench-64b-64ports.json"), "utf8")) as BenchResult;
const linesStartingWith = (text: string, label: string): string[] => text.split("\n").filter((line) => line.trimStart().startsWith(label));

describe("bench: report", () => {
  it("prints each flood round of the kernel paths' capacity runs under their medians", () => {
    const text = report(fixture());
    assert.deepEqual(linesStartingWith(text, "CPU busy, us per delivered packet"), [
      "      CPU busy, us per delivered packet              100.0%, 2.63              100.0%, 2.12                         -                         -",
    ]);
    assert.deepEqual(linesStartingWith(text, "rounds, "), [
      "        rounds, delivered pps                 432,511, 338,487          436,728, 512,566                         -                         -",
      "        rounds, us/packet                           2.31, 2.95                2.29, 1.95                         -                         -",
    ]);
  });

  it("prints each round's median of its runs at twice the max", () => {
    const run = fixture();
    const targets = run.configs[0].targets;
    targets.hairpin!.doubleRounds = [[400_000, 380_000, 390_000], [370_000, 410_000, 395_000]];
    targets.slow!.doubleRounds = [[30_000, 41_000, 35_500], [44_000, 39_000, 40_000]];
    assert.deepEqual(linesStartingWith(report(run), "rounds (each its runs' median)").map((line) => line.trim().split(/\s{2,}/)), [
      ["rounds (each its runs' median)", "390,000, 395,000", "-", "35,500, 40,000", "-"],
    ]);
  });

  it("prints - where a run before the rounds were kept has only the medians", () => {
    const run = fixture();
    for (const config of run.configs) {
      for (const target of Object.values(config.targets)) {
        if (target?.capacity) delete target.capacity.floodRounds;
      }
    }
    assert.deepEqual(linesStartingWith(report(run), "rounds, ").map((line) => line.trim().split(/\s{2,}/)), [
      ["rounds, delivered pps", "-", "-", "-", "-"],
      ["rounds, us/packet", "-", "-", "-", "-"],
    ]);
    assert.deepEqual(linesStartingWith(report(run), "rounds (each its runs' median)").map((line) => line.trim().split(/\s{2,}/)), [["rounds (each its runs' median)", "-", "-", "-", "-"]]);
  });
});
