// Persistent event queue in chrome.storage.local. One key per event ("q:<seq>") so an
// append writes only the new events; "queue:meta" holds head/tail, bytes and counters.
// Events are removed only after the server acknowledged them. When the cap is hit the
// oldest events are dropped and counted.
import { api } from "../common/util.js";

const META_KEY = "queue:meta";
const EMPTY_META = Object.freeze({ head: 0, tail: 0, bytes: 0, dropped: 0, rejected: 0 });
const eventKey = (seq) => `q:${seq}`;

export class EventQueue {
  constructor() {
    this.chain = Promise.resolve();
  }

  // Storage calls are async: serialize every read-modify-write of the queue.
  exclusive(task) {
    const run = this.chain.then(task, task);
    this.chain = run.catch(() => {});
    return run;
  }

  async meta() {
    return { ...EMPTY_META, ...(await api.storage.local.get(META_KEY))[META_KEY] };
  }

  stats() {
    return this.exclusive(async () => {
      const meta = await this.meta();
      return { length: meta.tail - meta.head, bytes: meta.bytes, dropped: meta.dropped, rejected: meta.rejected };
    });
  }

  /** Store events (one storage write with the new meta); returns the queue length. */
  append(events, { maxEvents, maxBytes }) {
    return this.exclusive(async () => {
      const meta = await this.meta();
      const writes = {};
      for (const event of events) {
        const size = JSON.stringify(event).length;
        writes[eventKey(meta.tail)] = { event, size };
        meta.tail += 1;
        meta.bytes += size;
      }
      await this.dropOldestOverCap(meta, writes, maxEvents, maxBytes);
      await api.storage.local.set({ ...writes, [META_KEY]: meta });
      return meta.tail - meta.head;
    });
  }

  async dropOldestOverCap(meta, writes, maxEvents, maxBytes) {
    const doomed = [];
    while (meta.tail - meta.head > maxEvents || (meta.bytes > maxBytes && meta.tail - meta.head > 1)) {
      const key = eventKey(meta.head);
      const entry = writes[key] ?? (await api.storage.local.get(key))[key];
      if (writes[key]) delete writes[key];
      else doomed.push(key);
      meta.bytes -= entry?.size ?? 0;
      meta.head += 1;
      meta.dropped += 1;
    }
    if (doomed.length > 0) await api.storage.local.remove(doomed);
  }

  /** The oldest events, without removing them: [{seq, event, size}]. */
  peek(limit) {
    return this.exclusive(async () => {
      const meta = await this.meta();
      const keys = [];
      for (let seq = meta.head; seq < Math.min(meta.tail, meta.head + limit); seq += 1) keys.push(eventKey(seq));
      const stored = keys.length > 0 ? await api.storage.local.get(keys) : {};
      if (keys.length > 0 && Object.keys(stored).length === 0) {
        // Only reachable if storage lost entries: skip the hole rather than stall forever.
        meta.head += keys.length;
        await api.storage.local.set({ [META_KEY]: meta });
      }
      return keys
        .map((key, index) => ({ seq: meta.head + index, ...stored[key] }))
        .filter((entry) => entry.event !== undefined);
    });
  }

  /** Remove a batch returned by peek once the server answered for it. */
  acknowledge(entries, rejectedCount = 0) {
    return this.exclusive(async () => {
      const meta = await this.meta();
      const removable = entries.filter((entry) => entry.seq >= meta.head); // dropped meanwhile: already gone
      if (removable.length === 0) return;
      meta.head = Math.max(meta.head, removable[removable.length - 1].seq + 1);
      meta.bytes = Math.max(0, meta.bytes - removable.reduce((sum, entry) => sum + entry.size, 0));
      meta.rejected += rejectedCount;
      if (meta.head === meta.tail) meta.bytes = 0;
      // Meta first: a worker killed in between leaves unreachable keys, never a hole in the queue.
      await api.storage.local.set({ [META_KEY]: meta });
      await api.storage.local.remove(removable.map((entry) => eventKey(entry.seq)));
    });
  }
}
