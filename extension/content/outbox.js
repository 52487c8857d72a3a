// Content script -> service worker. Events stay here until the worker confirms it
// has written them to storage; a worker that was asleep or restarting is retried.
import { api } from "../common/util.js";

const MAX_EVENTS_PER_MESSAGE = 200;

export class Outbox {
  constructor({ platform, sendDelayMs }) {
    this.platform = platform;
    this.sendDelayMs = sendDelayMs;
    this.pending = [];
    this.activityMs = 0;
    this.timer = null;
    this.sending = false;
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

  async send() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.sending || (this.pending.length === 0 && this.activityMs === 0)) return;
    this.sending = true;
    const events = this.pending.slice(0, MAX_EVENTS_PER_MESSAGE);
    const activityMs = Math.round(this.activityMs);
    try {
      const reply = await api.runtime.sendMessage({ kind: "events", platform: this.platform, events, activityMs });
      if (!reply?.ok) throw new Error(reply?.error ?? "no reply");
      this.pending.splice(0, events.length);
      this.activityMs -= activityMs;
    } catch (error) {
      if (isContextGone(error)) {
        this.closed = true; // the extension was reloaded or removed: this page's script is orphaned
        return;
      }
      this.sending = false;
      this.schedule(this.sendDelayMs * 2);
      return;
    }
    this.sending = false;
    if (this.pending.length > 0) this.schedule(0);
  }
}

function isContextGone(error) {
  return /context invalidated/i.test(String(error?.message ?? error));
}
