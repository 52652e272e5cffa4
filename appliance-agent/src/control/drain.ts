// SIGTERM drain. GWLB keeps sending a deregistering target its existing flows for the
// deregistration delay (300 s by default), so the agent turns unhealthy at once, keeps
// forwarding for the drain period, and only then stops. New flows that still arrive are
// inspected and forwarded too: GWLB sends them only when no healthy target remains, and
// dropping them then would black-hole traffic.

export class DrainController {
  draining = false;
  private timer: NodeJS.Timeout | null = null;

  /**
   * Starts draining (idempotent: a second SIGTERM does not extend or shorten the period).
   * Calls `onStart` at once and `onDone` after `seconds`.
   */
  begin(seconds: number, onStart: () => void, onDone: () => void): boolean {
    if (this.draining) return false;
    this.draining = true;
    onStart();
    this.timer = setTimeout(onDone, seconds * 1000);
    return true;
  }

  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
