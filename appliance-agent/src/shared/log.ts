// Operational log lines (JSON on stderr). Stdout is reserved for flow logs.

export type Level = "info" | "warn" | "error";

export function logEvent(level: Level, message: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ time: new Date().toISOString(), level, pid: process.pid, message, ...fields });
  try {
    process.stderr.write(line + "\n");
  } catch {
    // stderr closed: nothing better to do than carry on forwarding
  }
}
