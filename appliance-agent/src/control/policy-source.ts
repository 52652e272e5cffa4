// Where the policy document comes from (a file or an SSM parameter), how changes are noticed
// (file watch, SSM polling, SIGHUP), and the rule that a bad document never replaces a good one.

import { promises as fs, watchFile, unwatchFile, Stats } from "node:fs";
import { AgentSettings, LoadedDocument, loadDocument } from "./settings";
import { logEvent } from "../shared/log";
import { ValidationError } from "../policy/problems";

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

/**
 * Holds the document in force. `reload` reads the source again: an identical document changes
 * nothing, a valid new one bumps `version` and is announced, and an unreadable or invalid one
 * is logged and counted while the current one stays.
 */
export class PolicyManager {
  current: LoadedDocument | null = null;
  version = 0;
  reloads = 0;
  reloadErrors = 0;
  lastError = "";
  private reloading: Promise<void> | null = null;
  private again = false;

  constructor(
    readonly source: PolicySource,
    private readonly onChange: (document: LoadedDocument, version: number) => void,
  ) {}

  /** First load: throws (ValidationError or the read error) so startup can report it. */
  async loadInitial(): Promise<LoadedDocument> {
    const text = await this.source.read();
    const document = loadDocument(text, this.source.description);
    this.current = document;
    this.version = 1;
    return document;
  }

  /** Re-reads the source; concurrent calls coalesce into one extra read. Never throws. */
  reload(): Promise<void> {
    if (this.reloading !== null) {
      this.again = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      do {
        this.again = false;
        await this.reloadOnce();
      } while (this.again);
      this.reloading = null;
    })();
    return this.reloading;
  }

  private async reloadOnce(): Promise<void> {
    let text: string;
    try {
      text = await this.source.read();
    } catch (error) {
      this.reject(`cannot read ${this.source.description}: ${(error as Error).message}`);
      return;
    }
    if (this.current !== null && text === this.current.text) return;
    let document: LoadedDocument;
    try {
      document = loadDocument(text, this.source.description);
    } catch (error) {
      this.reject(error instanceof ValidationError ? error.message : String(error));
      return;
    }
    const firstLoad = this.current === null;
    if (!firstLoad && JSON.stringify(document.agent) !== JSON.stringify(this.current!.agent)) {
      logEvent("warn", "agent settings in the document changed; they apply at the next restart", { source: this.source.description });
    }
    this.current = document;
    this.version++;
    if (!firstLoad) this.reloads++;
    this.lastError = "";
    logEvent("info", "policy loaded", { source: this.source.description, version: this.version, rules: document.policy.ruleCount });
    this.onChange(document, this.version);
  }

  private reject(message: string): void {
    this.reloadErrors++;
    this.lastError = message;
    logEvent("error", "policy rejected; the last good policy stays in force", { error: message, version: this.version });
  }
}
