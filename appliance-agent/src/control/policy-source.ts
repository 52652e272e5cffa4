// Where the policy document comes from (a file or an SSM parameter) and how changes are
// noticed (file watch, SSM polling). What a change does is policy-manager.ts's business.

import { promises as fs, watchFile, unwatchFile, Stats } from "node:fs";
import type { AgentSettings } from "./settings";

export interface PolicySource {
  /** Human-readable origin used in every error, e.g. `file /etc/agent.json`. */
  readonly description: string;
  read(): Promise<string>;
  /** Calls `onChange` whenever the document may have changed, checking at the configured interval. */
  watch(onChange: () => void, settings: Pick<AgentSettings, "filePollMs" | "pollSeconds">): void;
  close(): void;
}

export class FilePolicySource implements PolicySource {
  readonly description: string;
  private watching = false;

  constructor(private readonly path: string) {
    this.description = `file ${path}`;
  }

  read(): Promise<string> {
    return fs.readFile(this.path, "utf8");
  }

  watch(onChange: () => void, settings: Pick<AgentSettings, "filePollMs">): void {
    // Stat polling survives editors and config management that replace the file by rename.
    this.watching = true;
    watchFile(this.path, { interval: settings.filePollMs, persistent: false }, (current: Stats, previous: Stats) => {
      if (
        current.mtimeMs !== previous.mtimeMs ||
        current.size !== previous.size ||
        current.ino !== previous.ino ||
        current.ctimeMs !== previous.ctimeMs
      ) {
        onChange();
      }
    });
  }

  close(): void {
    if (this.watching) unwatchFile(this.path);
    this.watching = false;
  }
}

/** The subset of SSMClient used here, so tests can substitute it. */
export interface SsmLikeClient {
  send(command: unknown): Promise<{ Parameter?: { Value?: string; Version?: number } }>;
}

export class SsmPolicySource implements PolicySource {
  readonly description: string;
  private timer: NodeJS.Timeout | null = null;
  private client: SsmLikeClient | null;
  private commandClass: (new (input: { Name: string; WithDecryption: boolean }) => unknown) | null = null;

  constructor(
    private readonly name: string,
    private readonly region: string,
    client?: SsmLikeClient,
    commandClass?: new (input: { Name: string; WithDecryption: boolean }) => unknown,
  ) {
    this.description = `SSM parameter ${name}`;
    this.client = client ?? null;
    this.commandClass = commandClass ?? null;
  }

  async read(): Promise<string> {
    if (this.client === null || this.commandClass === null) {
      // Loaded on first use so that file-based runs never pay for the SDK.
      const sdk = await import("@aws-sdk/client-ssm");
      this.client ??= new sdk.SSMClient(this.region === "" ? {} : { region: this.region }) as unknown as SsmLikeClient;
      this.commandClass ??= sdk.GetParameterCommand as unknown as new (input: { Name: string; WithDecryption: boolean }) => unknown;
    }
    const output = await this.client.send(new this.commandClass({ Name: this.name, WithDecryption: true }));
    const value = output.Parameter?.Value;
    if (typeof value !== "string") throw new Error(`${this.description} has no value`);
    return value;
  }

  watch(onChange: () => void, settings: Pick<AgentSettings, "pollSeconds">): void {
    this.timer = setInterval(onChange, settings.pollSeconds * 1000);
    this.timer.unref();
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
