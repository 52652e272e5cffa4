/**
 * A scratch "instance" for running the install command for real: an install root, a PATH holding only
 * the stand-ins of fakeTools.ts and the few real tools the script needs (so nothing can reach this
 * machine's systemctl, dnf or AWS), and the fake S3 bucket. Only loopback traffic; every wait is bounded.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { renderInstallCommand } from "../../../../components/gwlbApplianceFleet/delivery/installDocument";
import type { AgentInstallSettings } from "../../../../components/gwlbApplianceFleet/delivery/installSettings";
import { FAKE_AWS, FAKE_DNF, FAKE_RPM, FAKE_SYSCTL, FAKE_SYSTEMCTL } from "./fakeTools";

/** Real tools the script and the fakes use; everything else is missing from PATH. */
const REAL_TOOLS = ["sh", "bash", "basename", "cat", "chmod", "cmp", "cp", "curl", "dirname", "grep", "ln", "mkdir", "mktemp", "mv", "readlink", "rm", "sed", "sha256sum", "sleep"];

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function whichReal(tool: string): string {
  for (const dir of ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]) {
    if (fs.existsSync(path.join(dir, tool))) return path.join(dir, tool);
  }
  throw new Error(`this machine has no ${tool}, which the install test needs`);
}

export class InstallSandbox {
  readonly root: string;
  readonly state: string;
  private readonly bin: string;
  private readonly tmp: string;

  private constructor(readonly dir: string) {
    this.root = path.join(dir, "root");
    this.state = path.join(dir, "state");
    this.bin = path.join(dir, "bin");
    this.tmp = path.join(dir, "tmp");
    for (const d of [this.root, this.state, this.bin, this.tmp]) fs.mkdirSync(d);
    for (const tool of REAL_TOOLS) fs.symlinkSync(whichReal(tool), path.join(this.bin, tool));
    const fakes = { systemctl: FAKE_SYSTEMCTL, aws: FAKE_AWS, rpm: FAKE_RPM, dnf: FAKE_DNF, sysctl: FAKE_SYSCTL };
    for (const [name, text] of Object.entries(fakes)) fs.writeFileSync(path.join(this.bin, name), text, { mode: 0o755 });
  }

  static create(): InstallSandbox {
    return new InstallSandbox(fs.mkdtempSync(path.join(os.tmpdir(), "gwlb-install-")));
  }

  /** Puts an object in the fake bucket. */
  putObject(bucket: string, key: string, content: string): void {
    const file = path.join(this.state, "s3", bucket, key);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }

  /** Runs the document's command as SSM would: parameters substituted, the lines run by sh. */
  runDocument(settings: AgentInstallSettings, bundleKey: string, bundleSha256: string): Promise<RunResult> {
    const command = renderInstallCommand(settings).join("\n")
      .replaceAll("{{ BundleKey }}", bundleKey).replaceAll("{{ BundleSha256 }}", bundleSha256);
    return this.run("sh", ["-c", command]);
  }

  /** Writes the script beside the sandbox (not under the root) and returns its path. */
  writeScript(text: string): string {
    const file = path.join(this.dir, "install.sh");
    fs.writeFileSync(file, text, { mode: 0o700 });
    return file;
  }

  run(program: string, args: string[]): Promise<RunResult> {
    const env = {
      HOME: this.dir, PATH: this.bin, TMPDIR: this.tmp, GWLB_INSTALL_ROOT: this.root, FAKE_STATE: this.state, FAKE_NODE: process.execPath,
    };
    return new Promise((resolve) => {
      execFile(path.join(this.bin, program), args, { env, timeout: 45_000 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** The recorded tool calls, with the root and random download names made stable; then forgets them. */
  takeCalls(): string[] {
    const file = path.join(this.state, "calls.log");
    if (!fs.existsSync(file)) return [];
    const text = fs.readFileSync(file, "utf8").replaceAll(this.root, "<root>").replace(/\.download\.\w{6}/g, ".download.XXXXXX");
    fs.rmSync(file);
    return text.split("\n").filter((l) => l !== "");
  }

  /** What the fake agents noted (start with flags, signals), in order. */
  agentEvents(): string[] {
    const file = path.join(this.state, "agent-events.log");
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter((l) => l !== "") : [];
  }

  /** Every entry under the root: file content with its inode, mode and mtime, link target, or "dir". */
  snapshot(): Record<string, string> {
    const entries: Record<string, string> = {};
    const walk = (dir: string) => {
      for (const name of fs.readdirSync(dir).sort()) {
        const full = path.join(dir, name);
        const rel = path.relative(this.root, full);
        const stat = fs.lstatSync(full);
        if (stat.isSymbolicLink()) entries[rel] = `-> ${fs.readlinkSync(full)}`;
        else if (stat.isDirectory()) { entries[rel] = "dir"; walk(full); }
        else entries[rel] = `ino ${stat.ino} mode ${(stat.mode & 0o777).toString(8)} mtime ${stat.mtimeMs}\n${fs.readFileSync(full, "utf8")}`;
      }
    };
    walk(this.root);
    return entries;
  }

  file(absolutePath: string): string {
    return fs.readFileSync(path.join(this.root, absolutePath), "utf8");
  }

  link(absolutePath: string): string | undefined {
    const full = path.join(this.root, absolutePath);
    return fs.lstatSync(full, { throwIfNoEntry: false })?.isSymbolicLink() ? fs.readlinkSync(full) : undefined;
  }

  entries(absoluteDir: string): string[] {
    return fs.readdirSync(path.join(this.root, absoluteDir)).sort();
  }

  tmpEntries(): string[] {
    return fs.readdirSync(this.tmp);
  }

  /** Kills the fake agent this sandbox started, by its pid (a crash, as far as the script can tell). */
  killAgent(): void {
    const pidFile = path.join(this.state, "agent.pid");
    if (!fs.existsSync(pidFile)) return;
    const pid = Number(fs.readFileSync(pidFile, "utf8"));
    try { process.kill(pid, "SIGKILL"); } catch { return; /* already gone */ }
    // Bounded wait until it is gone or a zombie, as the fake systemctl sees it.
    const deadline = Date.now() + 5000;
    const alive = () => {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      return stat[stat.lastIndexOf(")") + 2] !== "Z"; // the state field follows the command name
    };
    while (Date.now() < deadline) {
      try { if (!alive()) return; } catch { return; }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }

  /** Stops the fake agent and removes the sandbox. */
  close(): void {
    this.killAgent();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** GET on loopback with a bound; resolves to the status code, or 0 when nothing answered in time. */
export function healthStatus(port: number, pathname: string): Promise<number> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let answer = "";
    socket.setTimeout(2000, () => { socket.destroy(); resolve(0); });
    socket.on("error", () => resolve(0));
    socket.on("connect", () => socket.write(`GET ${pathname} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    socket.on("data", (chunk) => { answer += chunk.toString(); });
    socket.on("end", () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
  });
}
