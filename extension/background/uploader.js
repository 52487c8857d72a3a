// Batched delivery of queued events to the local server, with exponential backoff
// while it is down. Each batch leaves the queue only after the server answered 200.
import { api } from "../common/util.js";

const DELIVERY_KEY = "delivery";
const REQUEST_TIMEOUT_MS = 15000;

export class Uploader {
  constructor({ queue, loadSettings }) {
    this.queue = queue;
    this.loadSettings = loadSettings;
    this.timer = null;
    this.running = null;
    this.batchLimit = null; // shrunk after a 413
  }

  async state() {
    return (await api.storage.local.get(DELIVERY_KEY))[DELIVERY_KEY] ?? { failures: 0, nextAttemptAt: 0, status: "idle" };
  }

  async saveState(patch) {
    const next = { ...(await this.state()), ...patch };
    await api.storage.local.set({ [DELIVERY_KEY]: next });
    return next;
  }

  /** Flush in delayMs unless a sooner flush is already planned. */
  schedule(delayMs) {
    const due = Date.now() + Math.max(0, delayMs);
    if (this.timer !== null && this.timerDue <= due) return;
    clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, Math.max(0, delayMs));
  }

  /** One flush at a time; `force` ignores the backoff (user pressed "send now"). */
  flush({ force = false } = {}) {
    this.running ??= this.drain(force).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async drain(force) {
    const settings = await this.loadSettings();
    const delivery = await this.state();
    if (!force && delivery.nextAttemptAt > Date.now()) {
      this.schedule(delivery.nextAttemptAt - Date.now());
      return;
    }
    if (!settings.token) {
      await this.saveState({ status: "not-paired", error: "no token: pair the extension in its options" });
      return;
    }
    for (;;) {
      const batch = await this.queue.peek(this.batchLimit ?? settings.batchSize);
      if (batch.length === 0) return;
      const outcome = await this.sendBatch(settings, batch);
      if (!outcome.delivered) {
        await this.backOff(settings, delivery.failures, outcome);
        return;
      }
      delivery.failures = 0;
    }
  }

  async backOff(settings, previousFailures, outcome) {
    const failures = previousFailures + 1;
    const delay = Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** (failures - 1));
    await this.saveState({ failures, nextAttemptAt: Date.now() + delay, status: outcome.status, error: outcome.error });
    this.schedule(delay);
  }

  /** POST one batch; a 400 drops exactly the rejected events and resends the rest. */
  async sendBatch(settings, batch) {
    let remaining = batch;
    let rejected = 0;
    let answer = null;
    while (remaining.length > 0) {
      const response = await postEvents(settings, remaining.map((entry) => entry.event));
      if (response.status === 200) {
        answer = response.body;
        break;
      }
      if (response.status === 400 && Array.isArray(response.body?.errors) && response.body.errors.length > 0) {
        const bad = new Set(response.body.errors.map((error) => error.index));
        for (const error of response.body.errors) console.warn("Feed Audit: server rejected an event", error);
        rejected += remaining.filter((_, index) => bad.has(index)).length;
        remaining = remaining.filter((_, index) => !bad.has(index));
        continue;
      }
      if (response.status === 413 && remaining.length > 1) {
        this.batchLimit = Math.max(1, Math.floor(remaining.length / 2));
        return { delivered: true, retryNow: true };
      }
      return { delivered: false, ...describeFailure(response) };
    }
    await this.queue.acknowledge(batch, rejected);
    await this.countDelivered(batch.length - rejected, answer);
    return { delivered: true };
  }

  /** Totals of the server's answers: `duplicates` shows events the server had already seen. */
  async countDelivered(count, answer) {
    const day = new Date().toISOString().slice(0, 10);
    const state = await this.state();
    const sentToday = state.sentDay === day ? state.sentToday + count : count;
    await this.saveState({
      failures: 0, nextAttemptAt: 0, status: "ok", error: null, lastOkTs: Date.now(), sentDay: day, sentToday,
      acceptedTotal: (state.acceptedTotal ?? 0) + (answer?.accepted ?? 0),
      duplicatesTotal: (state.duplicatesTotal ?? 0) + (answer?.duplicates ?? 0),
    });
  }
}

async function postEvents(settings, events) {
  const controller = new AbortController();
  const timeout = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  try {
    const response = await fetch(`${settings.serverUrl}/api/v1/events`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${settings.token}` },
      body: JSON.stringify({ events }),
      signal: controller.signal,
      credentials: "omit",
    });
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    return { status: response.status, body };
  } catch (error) {
    return { status: 0, body: null, error: String(error?.message ?? error) };
  } finally {
    clearTimeout(timeout);
  }
}

export function describeFailure(response) {
  const detail = response.body?.error ?? response.error ?? `HTTP ${response.status}`;
  if (response.status === 0) return { status: "server-down", error: `server unreachable: ${detail}` };
  if (response.status === 401) return { status: "wrong-token", error: "the server refused the token: pair again" };
  if (response.status === 403) return { status: "forbidden", error: `the server refused this extension: ${detail}` };
  if (response.status === 503 || response.status === 507) return { status: "server-busy", error: detail };
  return { status: "server-error", error: detail };
}
