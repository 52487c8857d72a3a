// Content script -> service worker. Events stay here until the worker confirms it
// has written them to storage; a worker that was asleep or restarting is retried.
(() => {
  const { api } = globalThis.feedAudit;

  const MAX_EVENTS_PER_MESSAGE = 200;

  class Outbox {
    constructor({ platform, sendDelayMs }) {
      this.platform = platform;
      this.sendDelayMs = sendDelayMs;
      this.pending = [];
      this.activityMs = 0;
      this.timer = null;
      this.inFlight = 0; // messages sent and not yet answered
      this.closed = false;
    }

    push(event) {
      this.pending.push(event);
      this.schedule();
    }

    /** Attended time on this platform, summed into the browsing session by the worker. */
    addActivity(ms) {
      if (ms > 0) this.activityMs += ms;
    }

    schedule(delay = this.sendDelayMs) {
      if (this.timer === null && !this.closed) this.timer = setTimeout(() => this.send(), delay);
    }

    /**
     * Hand pending events to the worker. Normally one message at a time; `urgent` (a click,
     * the page being left) does not wait for a message in flight, since the page may be gone
     * by the time that one is answered.
     */
    async send({ urgent = false } = {}) {
      clearTimeout(this.timer);
      this.timer = null;
      if (this.closed || (this.inFlight > 0 && !urgent) || (this.pending.length === 0 && this.activityMs === 0)) return;
      const events = this.pending.splice(0, MAX_EVENTS_PER_MESSAGE);
      const activityMs = Math.round(this.activityMs);
      this.activityMs -= activityMs;
      this.inFlight += 1;
      try {
        const reply = await api.runtime.sendMessage({ kind: "events", platform: this.platform, events, activityMs });
        if (!reply?.ok) throw new Error(reply?.error ?? "no reply");
      } catch (error) {
        this.inFlight -= 1;
        if (isContextGone(error)) {
          this.closed = true; // the extension was reloaded or removed: this page's script is orphaned
          return;
        }
        this.pending.unshift(...events); // not taken: they go first next time (ids make repeats harmless)
        this.activityMs += activityMs;
        this.schedule(this.sendDelayMs * 2);
        return;
      }
      this.inFlight -= 1;
      if (this.pending.length > 0) this.schedule(0);
    }
  }

  function isContextGone(error) {
    return /context invalidated/i.test(String(error?.message ?? error));
  }

  Object.assign(globalThis.feedAudit, { Outbox });
})();
