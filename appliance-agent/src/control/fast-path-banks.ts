// Which GWLB endpoint owns which bank of fast-path sets (primary process only). The kernel's
// sets cannot hold the endpoint id in their key (dataplane/fast-path-elements.ts), so each
// endpoint gets sets of its own; two endpoints never share one, since a policy may decide the
// same 5-tuple differently per endpoint. Workers ask for an endpoint's bank when they first meet
// it; the answer (written to the kernel's bank maps first) goes to every worker, so all of them
// install that endpoint's flows into the same sets. Banks are not reused while the table lives:
// endpoints are long-lived, and a restart rebuilds the table empty.

import { NO_BANK, isEndpointHex } from "../dataplane/fast-path-elements";
import { logEvent } from "../shared/log";
import { renderBankAssignment } from "./fast-path-ruleset";

export class FastPathBanks {
  /** Endpoint (16 hex digits) -> bank, or NO_BANK; what a respawned worker is told again. */
  readonly assigned = new Map<string, number>();
  /** Endpoints refused because every bank was taken. */
  refused = 0;
  private readonly pending = new Set<string>();
  private next = 0;

  constructor(
    private readonly banks: number,
    /** Writes commands to the kernel table in one transaction. */
    private readonly apply: (commands: string) => Promise<void>,
    /** Tells every worker an endpoint's bank. */
    private readonly announce: (endpoint: string, bank: number) => void,
  ) {}

  /** A worker met `endpoint`: assign it a bank if it has none, and announce the answer. */
  request(endpoint: string): void {
    if (!isEndpointHex(endpoint) || this.pending.has(endpoint)) return;
    const known = this.assigned.get(endpoint);
    if (known !== undefined) {
      this.announce(endpoint, known);
      return;
    }
    if (this.next >= this.banks) {
      this.assigned.set(endpoint, NO_BANK);
      this.refused++;
      logEvent("warn", "fast path: every endpoint bank is taken; this endpoint's flows stay on the slow path", { endpoint, banks: this.banks });
      this.announce(endpoint, NO_BANK);
      return;
    }
    const bank = this.next++;
    this.pending.add(endpoint);
    this.apply(renderBankAssignment(endpoint, bank)).then(
      () => {
        this.pending.delete(endpoint);
        this.assigned.set(endpoint, bank);
        this.announce(endpoint, bank);
      },
      (error: Error) => {
        // The bank stays unused: its map entries may or may not be in the kernel.
        this.pending.delete(endpoint);
        this.assigned.set(endpoint, NO_BANK);
        logEvent("error", "fast path: could not assign an endpoint bank; its flows stay on the slow path", { endpoint, bank, error: error.message });
        this.announce(endpoint, NO_BANK);
      },
    );
  }

  get used(): number {
    return this.next;
  }
}
