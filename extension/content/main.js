// Content script entry, the last of the plain scripts the manifest lists (content scripts
// cannot be ES modules; the files share this isolated world's scope through
// globalThis.feedAudit). One round trip to the service worker ("hello") says whether
// this URL is recorded and brings only what the page needs: this platform's item hints,
// the surface's selectors, the view rule, the timing settings and the session. Single-page
// navigation starts a new page view; settings changes arrive as a message from the worker.
(() => {
  const { api, Attention, Outbox, ItemTracker, ClickTracker, ViewTracker } = globalThis.feedAudit;

  const URL_POLL_MS = 250; // only where the Navigation API is missing (older Firefox)

  function start() {
    // Private windows are never recorded (the manifest also sets "incognito": "not_allowed").
    if (api.extension?.inIncognitoContext) return;
    // Statically declared and dynamically registered (opt-in news sites) scripts may both run.
    if (globalThis.feedAudit.started) return;
    globalThis.feedAudit.started = true;
    const recorder = new PageRecorder();
    globalThis.feedAudit.recorder = recorder; // this isolated world only: pages cannot see it (tests read it)
    api.runtime.onMessage.addListener((message) => {
      if (message?.kind === "settings-changed") recorder.refresh({ settingsChanged: true });
    });
    recorder.refresh();
  }

  class PageRecorder {
    constructor() {
      this.pageView = null;
      this.attention = null;
      this.outbox = null;
      this.asking = null; // the hello in flight
      this.askAgain = false;
      this.lastUrl = urlWithoutHash();
      window.addEventListener("pagehide", () => this.flush());
      document.addEventListener("visibilitychange", () => {
        if (document.visibilityState === "hidden") this.flush();
      });
      this.watchUrl();
    }

    /** Ask the worker whether (and how) this URL is recorded now, and start or stop to match. */
    refresh({ settingsChanged = false } = {}) {
      const url = urlWithoutHash();
      if (this.pageView && this.pageView.url !== url) {
        this.pageView.stop(); // at once: what the site renders for the new URL is not the old page's
        this.pageView = null;
      }
      if (this.asking) {
        this.askAgain = true; // one more round once the answer in flight is in
        return;
      }
      if (!settingsChanged && this.pageView) return;
      this.asking = helloWithRetry(location.href)
        .then((hello) => this.apply(hello, url))
        .catch((error) => console.warn("Feed Audit: content script failed to start", error))
        .finally(() => {
          this.asking = null;
          if (this.askAgain) {
            this.askAgain = false;
            this.refresh({ settingsChanged: true });
          }
        });
    }

    /** Start or stop to match the worker's answer for the URL asked about. */
    apply(hello, url) {
      const current = this.pageView;
      if (current && (!hello || current.url !== url || current.platform.id !== hello.platform.id)) {
        current.stop();
        this.pageView = null;
      }
      if (!hello) return;
      if (url !== urlWithoutHash()) {
        this.askAgain = true; // the page moved on while the worker answered: ask about the new URL
        return;
      }
      this.attention ??= new Attention({ idleMs: hello.timing.idleMs });
      this.attention.setIdleMs(hello.timing.idleMs);
      if (this.pageView) return; // the same page view goes on under the new settings
      if (!this.outbox || this.outbox.platform !== hello.platform.id) {
        this.outbox = new Outbox({ platform: hello.platform.id, sendDelayMs: hello.timing.sendDelayMs });
      }
      this.outbox.sendDelayMs = hello.timing.sendDelayMs;
      this.pageView = new PageView({ hello, url, attention: this.attention, outbox: this.outbox });
      this.pageView.start();
    }

    // Isolated-world scripts cannot see the page's history.pushState calls, but they share
    // its Navigation object, whose currententrychange event fires for every URL change.
    watchUrl() {
      const check = () => {
        const url = urlWithoutHash();
        if (url === this.lastUrl) return;
        this.lastUrl = url;
        this.refresh();
      };
      if (globalThis.navigation?.addEventListener) navigation.addEventListener("currententrychange", check);
      else setInterval(check, URL_POLL_MS);
    }

    flush() {
      this.pageView?.flush();
      this.outbox?.send(); // the page may be going away
    }
  }

  class PageView {
    constructor({ hello, url, attention, outbox }) {
      this.hello = hello;
      this.platform = hello.platform;
      this.attention = attention;
      this.outbox = outbox;
      this.url = url;
      this.items = null;
      this.clicks = null;
      this.view = null;
      this.flushTimer = null;
      this.activeMs = 0;
      this.activeSince = null;
      this.unsubscribe = attention.subscribe((now) => this.trackActivity(now));
      this.trackActivity(performance.now());
    }

    start() {
      const { hello } = this;
      const emit = (event) => this.outbox.push(event);
      if (hello.surface?.items?.length) {
        this.items = new ItemTracker({
          platform: this.platform, surface: hello.surface, attention: this.attention, emit, sessionId: hello.sessionId,
        });
        this.items.start();
        this.clicks = new ClickTracker({
          findRecord: (node) => this.items.recordFor(node),
          emit,
          onClick: () => this.outbox.send(),
        });
      }
      if (hello.viewRule) {
        this.view = new ViewTracker({
          platform: this.platform, rule: hello.viewRule, attention: this.attention, emit, impressionId: hello.clickedImpressionId,
        });
      }
      this.flushTimer = setInterval(() => this.flush(), hello.timing.dwellFlushMs);
    }

    trackActivity(now) {
      const active = this.attention.attended || this.attention.watching;
      if (active && this.activeSince === null) this.activeSince = now;
      if (!active && this.activeSince !== null) {
        this.activeMs += now - this.activeSince;
        this.activeSince = null;
      }
    }

    flush() {
      this.items?.flushDwell();
      this.view?.flush();
      const now = performance.now();
      if (this.activeSince !== null) {
        this.activeMs += now - this.activeSince;
        this.activeSince = now;
      }
      this.outbox.addActivity(this.activeMs);
      this.activeMs = 0;
      this.outbox.send();
    }

    stop() {
      clearInterval(this.flushTimer);
      this.trackActivity(performance.now());
      this.items?.stop();
      this.clicks?.stop();
      this.view?.stop();
      this.unsubscribe();
      this.flush();
    }
  }

  /** The worker's answer for this URL, or null when it is not recorded (or the worker never answers). */
  async function helloWithRetry(url) {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      try {
        const reply = await api.runtime.sendMessage({ kind: "hello", url });
        if (reply?.ok) return reply;
        if (reply?.recording === false) return null;
      } catch (error) {
        if (/context invalidated/i.test(String(error?.message ?? error))) return null; // extension reloaded
        // Otherwise the service worker may be starting up; try again shortly.
      }
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
    }
    return null;
  }

  function urlWithoutHash() {
    return location.href.split("#")[0];
  }

  start();
})();
