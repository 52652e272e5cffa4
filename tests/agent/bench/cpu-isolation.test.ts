// The benchmark keeps the appliance's CPU for the appliance: what it plans to move, read from a
// /proc of its own, and (as root, with 2+ CPUs) a child of this test moved off CPU 1 and back.
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CpuIsolation, cpuMask, formatCpuList, parseCpuList, parseCpuMask, planMoves, threadPlacements } from "../../../appliance-agent/bench/cpu-isolation";

/** Waits until taskset has set the child's CPUs and exec'd the command (at most 5 s). */
async function waitForExec(pid: number, comm: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() === comm) return;
    } catch {
      // not yet there
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${comm} (pid ${pid}) did not start within 5 s`);
}

describe("bench: CPU isolation", () => {
  it("reads and writes the kernel's CPU lists and masks", () => {
    assert.deepEqual(parseCpuList("0-2,5\n"), [0, 1, 2, 5]);
    assert.deepEqual(parseCpuList("1"), [1]);
    assert.equal(formatCpuList([5, 0, 2, 1, 1]), "0-2,5");
    assert.equal(formatCpuList([0, 2, 4]), "0,2,4");
    assert.equal(cpuMask([0, 2, 3]), "d");
    assert.deepEqual(parseCpuMask("d\n"), [0, 2, 3]);
    assert.deepEqual(parseCpuMask("1,00000001"), [0, 32]);
    assert.throws(() => parseCpuList("0-x"), /bad CPU list "0-x"/);
  });

  it("moves what may run elsewhere and leaves what is bound to the CPU", () => {
    const moves = planMoves(
      [
        { id: 81, name: "tokio-rt-worker", allowed: "0-1" },
        { id: 24, name: "ksoftirqd/1", allowed: "1" },
        { id: 23, name: "ksoftirqd/0", allowed: "0" },
        { id: 90, name: "wide", allowed: "0-3" },
        { id: 91, name: "elsewhere", allowed: "2-3" },
      ],
      1,
    );
    assert.deepEqual(moves, [
      { id: 81, name: "tokio-rt-worker", allowed: "0-1", to: "0" },
      { id: 90, name: "wide", allowed: "0-3", to: "0,2-3" },
    ]);
  });

  it("lists every thread of every process with its allowed CPUs", () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "gwlb-proc-"));
    try {
      const thread = (pid: number, tid: number, status: string): void => {
        mkdirSync(path.join(root, String(pid), "task", String(tid)), { recursive: true });
        writeFileSync(path.join(root, String(pid), "task", String(tid), "status"), status);
      };
      thread(1, 1, "Name:\tprocess_api\nState:\tS\nCpus_allowed_list:\t0-1\n");
      thread(1, 81, "Name:\ttokio-rt-worker\nCpus_allowed_list:\t0-1\n");
      thread(24, 24, "Name:\tksoftirqd/1\nCpus_allowed_list:\t1\n");
      mkdirSync(path.join(root, "self"));
      writeFileSync(path.join(root, "uptime"), "1 1\n");
      const placements = threadPlacements(root).sort((a, b) => a.id - b.id);
      assert.deepEqual(placements, [
        { id: 1, name: "process_api", allowed: "0-1" },
        { id: 24, name: "ksoftirqd/1", allowed: "1" },
        { id: 81, name: "tokio-rt-worker", allowed: "0-1" },
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("moves a process off CPU 1 for the run and puts it back, also after a second isolate (root, 2+ CPUs)", async function () {
    if (process.getuid?.() !== 0) return this.skip(); // moving other processes' threads needs root
    if (os.cpus().length < 2) return this.skip(); // needs a CPU to keep and one to move to
    const child = spawn("taskset", ["-c", "0-1", "sleep", "30"], { stdio: "ignore" });
    const allowed = (): string => /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1] ?? "?";
    const isolation = new CpuIsolation();
    try {
      await waitForExec(child.pid ?? 0, "sleep");
      assert.equal(allowed(), "0-1");
      const said = isolation.isolate(1);
      assert.match(said ?? "", /^CPU 1 kept for the appliance: \d+ threads \(.+\)(, .+)? moved off it for the run \(restored after\)$/);
      assert.equal(allowed(), "0");
      isolation.isolate(1); // again: what it restores is still the machine's placement
      assert.equal(allowed(), "0");
      isolation.restore();
      assert.equal(allowed(), "0-1");
    } finally {
      isolation.restore();
      child.kill();
    }
  });
});
