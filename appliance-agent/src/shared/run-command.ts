// A short-lived command (ip, nft -f, ss) run off the event loop: resolves with its stdout, or
// rejects with its first line of stderr, the original error as the cause (ENOENT: not installed).

import { execFile } from "node:child_process";

export interface RunOptions {
  /** Written to its stdin, which is then closed. */
  readonly input?: string;
  readonly timeoutMs?: number;
  readonly maxBufferBytes?: number;
}

export function runCommand(file: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { timeout: options.timeoutMs ?? 30_000, maxBuffer: options.maxBufferBytes ?? 64 << 20 }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`${file} ${args.join(" ")}: ${stderr.trim().split("\n")[0] || error.message}`, { cause: error }));
      else resolve(stdout);
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

/** Whether `error` (from runCommand) says the command is not installed. */
export function commandMissing(error: unknown): boolean {
  return error instanceof Error && (error.cause as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}
