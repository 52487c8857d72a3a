// Content script -> service worker over one long-lived port per page (a sendMessage per
// batch opened a new message channel each time). Events stay here until the worker
// confirms it has written them to storage; when the port dies with the worker, the
// unconfirmed batches go first on a new port (event ids make a repeat harmless).
(() => {
  const { api } = globalThis.feedAudit;

  const PORT_NAME = "feedaudit-events";
  const MAX_EVENTS_PER_MESSAGE = 200;

  class Outbox {
    constructor({ platform, sendDelayMs }) {
      this.platform = platform;
      this.sendDelayMs = sendDelayMs;
      this.pending = [];
      this.activityMs = 0;
      this.timer = null;
      this.port = null;
      this.unconfirmed = new Map(); // batch number -> {events, activityMs}, in sending order
      this.nextBatch = 1;
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
     * Hand pending events to the worker now. Messages on a port keep their order and need no
     * answer before the next one, so a click or the page being left is sent at once.
     */
    send() {
      clearTimeout(this.timer);
      this.timer = null;
      if (this.closed || (this.pending.length === 0 && this.activityMs === 0)) return;
      const port = this.port ?? this.connect();
      if (!port) return;
      const batch = { events: this.pending.splice(0, MAX_EVENTS_PER_MESSAGE), activityMs: Math.round(this.activityMs) };
      this.activityMs -= batch.activityMs;
      const number = this.nextBatch++;
      this.unconfirmed.set(number, batch);
      try {
        port.postMessage({ kind: "events", batch: number, platform: this.platform, events: batch.events, activityMs: batch.activityMs });
      } catch (error) {
        this.lost(port, error); // disconnected meanwhile: resend on a new port
        return;
      }
      if (this.pending.length > 0) this.schedule(0);
    }

    connect() {
      let port;
      try {
        port = api.runtime.connect({ name: PORT_NAME });
      } catch (error) {
        this.lost(null, error);
        return null;
      }
      port.onMessage.addListener((reply) => this.confirmed(reply));
      port.onDisconnect.addListener(() => this.lost(port, api.runtime.lastError));
      this.port = port;
      return port;
    }

    /** The worker's answer for one batch: stored (done) or refused (sent again later). */
    confirmed(reply) {
      const batch = this.unconfirmed.get(reply?.batch);
      if (!batch) return;
      this.unconfirmed.delete(reply.batch);
      if (reply.ok) return;
      this.requeue([batch]);
      this.schedule(this.sendDelayMs * 2);
    }

    /** The port is gone (worker stopped or restarted, extension reloaded): unconfirmed events go first next time. */
    lost(port, error) {
      if (port !== null && port !== this.port) return;
      this.port = null;
      this.requeue([...this.unconfirmed.values()]);
      this.unconfirmed.clear();
      if (isContextGone(error)) {
        this.closed = true; // the extension was reloaded or removed: this page's script is orphaned
        clearTimeout(this.timer);
        return;
      }
      if (this.pending.length > 0 || this.activityMs > 0) this.schedule(this.sendDelayMs);
    }

    requeue(batches) {
      this.pending.unshift(...batches.flatMap((batch) => batch.events));
      for (const batch of batches) this.activityMs += batch.activityMs;
    }
  }

  function isContextGone(error) {
    return /context invalidated/i.test(String(error?.message ?? error ?? ""));
  }

  Object.assign(globalThis.feedAudit, { Outbox });
})();
