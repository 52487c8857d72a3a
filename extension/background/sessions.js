// Browsing sessions per platform: a new session starts after 30 minutes without
// activity. Content scripts report attended time; each update re-sends the session
// event with the same id (the server keeps the maximum active_ms and latest end).
import { api, uuid } from "../common/util.js";

const SESSIONS_KEY = "sessions";
export const SESSION_GAP_MS = 30 * 60 * 1000;

export class Sessions {
  constructor() {
    this.chain = Promise.resolve();
  }

  exclusive(task) {
    const run = this.chain.then(task, task);
    this.chain = run.catch(() => {});
    return run;
  }

  /** The open session for a platform (a new one after a gap); returns {session, started}. */
  current(platformId) {
    return this.exclusive(async () => {
      const all = (await api.storage.local.get(SESSIONS_KEY))[SESSIONS_KEY] ?? {};
      const now = Date.now();
      let session = all[platformId];
      const started = !session || now - session.lastTs > SESSION_GAP_MS;
      if (started) session = { id: uuid(), platform: platformId, startTs: now, lastTs: now, activeMs: 0 };
      else session.lastTs = now;
      all[platformId] = session;
      await api.storage.local.set({ [SESSIONS_KEY]: all });
      return { session, started };
    });
  }

  /** Add attended time; returns the updated session. */
  async addActivity(platformId, activityMs) {
    const { session } = await this.current(platformId);
    return this.exclusive(async () => {
      const all = (await api.storage.local.get(SESSIONS_KEY))[SESSIONS_KEY] ?? {};
      const stored = all[platformId]?.id === session.id ? all[platformId] : session;
      stored.activeMs += Math.max(0, Math.round(activityMs));
      stored.lastTs = Date.now();
      all[platformId] = stored;
      await api.storage.local.set({ [SESSIONS_KEY]: all });
      return stored;
    });
  }
}

export function sessionEvent(session, { open }) {
  return {
    type: "session",
    id: session.id,
    ts: Date.now(),
    platform: session.platform,
    start_ts: session.startTs,
    end_ts: open ? null : session.lastTs,
    active_ms: session.activeMs,
  };
}
