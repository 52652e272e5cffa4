// The document in force, and the rule that a bad document never replaces a good one: reloads
// (file change, SSM poll, SIGHUP) that fail to read or validate are logged and counted.

import { logEvent } from "../shared/log";
import { LoadedDocument, loadDocument } from "./load-document";
import type { PolicySource } from "./policy-source";
import { ValidationError } from "./validation-error";

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
