// Is the person actually looking? Tab visible, window focused, not idle
// (no input for idleMs, unless media is playing). Subscribers hear every change.
//
// Input only needs noting once in a while: after one input the listeners for frequent input
// (scrolling, mouse moves) are removed and added back after a pause of idleMs / 60 (1 s of the
// 60 s default), so the last input is known to within that pause. Otherwise they would call
// into the content script on every frame, a fixed cost per call that weighs on a light page.
(() => {
  // Frequent input (every frame while it lasts) pauses; discrete input is always heard (adding
  // and removing a listener costs about as much as a call).
  const FREQUENT_INPUT_EVENTS = ["mousemove", "wheel", "scroll"];
  const DISCRETE_INPUT_EVENTS = ["mousedown", "keydown", "touchstart", "pointerdown"];
  const INPUT_LISTENER_OPTIONS = { passive: true, capture: true };
  const INPUT_PAUSE_SHARE = 1 / 60; // of idleMs
  const MIN_INPUT_PAUSE_MS = 10;
  const MEDIA_EVENTS = ["play", "playing", "pause", "ended", "emptied"];

  class Attention {
    constructor({ idleMs }) {
      this.idleMs = idleMs;
      this.listeners = new Set();
      this.visible = document.visibilityState === "visible";
      this.focused = document.hasFocus();
      this.lastInputTs = Date.now();
      this.idle = false;
      this.mediaPlaying = anyMediaPlaying();
      this.idleTimer = null;
      this.inputPauseTimer = null;
      this.handlers = [];
      this.listen(document, "visibilitychange", () => this.update({ visible: document.visibilityState === "visible" }));
      this.listen(window, "focus", () => this.update({ focused: true }));
      this.listen(window, "blur", () => this.update({ focused: false }));
      this.onInput = this.onInput.bind(this);
      for (const type of DISCRETE_INPUT_EVENTS) this.listen(window, type, this.onInput, INPUT_LISTENER_OPTIONS);
      this.listeningForInput = false;
      this.listenForInput();
      // Media events do not bubble; a capturing listener on document still sees them.
      for (const type of MEDIA_EVENTS) this.listen(document, type, () => this.update({ mediaPlaying: anyMediaPlaying() }), { capture: true });
      this.armIdleTimer();
    }

    listen(target, type, handler, options) {
      target.addEventListener(type, handler, options);
      this.handlers.push(() => target.removeEventListener(type, handler, options));
    }

    subscribe(listener) {
      this.listeners.add(listener);
      return () => this.listeners.delete(listener);
    }

    /** Visible tab in a focused window: the condition for an impression. */
    get viewable() {
      return this.visible && this.focused;
    }

    /** Visible tab with media playing: counts as attention even without input or focus (views). */
    get watching() {
      return this.visible && this.mediaPlaying;
    }

    /** Viewable and the person present (recent input, or media playing). */
    get attended() {
      return this.viewable && (!this.idle || this.mediaPlaying);
    }

    onInput() {
      this.lastInputTs = Date.now();
      if (this.idle) this.update({ idle: false });
      // The idle timer is re-armed lazily when it fires, so input costs only a timestamp.
      this.pauseInputListening();
    }

    listenForInput() {
      this.inputPauseTimer = null;
      if (this.listeningForInput) return;
      this.listeningForInput = true;
      for (const type of FREQUENT_INPUT_EVENTS) window.addEventListener(type, this.onInput, INPUT_LISTENER_OPTIONS);
    }

    stopListeningForInput() {
      if (!this.listeningForInput) return false;
      this.listeningForInput = false;
      for (const type of FREQUENT_INPUT_EVENTS) window.removeEventListener(type, this.onInput, INPUT_LISTENER_OPTIONS);
      return true;
    }

    /** Stop hearing input for a moment (the pause is far shorter than idleMs: idle input is always heard). */
    pauseInputListening() {
      if (!this.stopListeningForInput()) return;
      const pauseMs = Math.max(MIN_INPUT_PAUSE_MS, this.idleMs * INPUT_PAUSE_SHARE);
      this.inputPauseTimer = setTimeout(() => this.listenForInput(), pauseMs);
    }

    armIdleTimer() {
      clearTimeout(this.idleTimer);
      const due = this.lastInputTs + this.idleMs - Date.now();
      this.idleTimer = setTimeout(() => {
        // Input since arming only moved lastInputTs; re-arm for the remainder. Once idle, input re-arms.
        if (Date.now() - this.lastInputTs >= this.idleMs) this.update({ idle: true });
        else this.armIdleTimer();
      }, Math.max(due, 50));
    }

    setIdleMs(idleMs) {
      this.idleMs = idleMs;
      this.armIdleTimer();
    }

    update(changes) {
      const changed = Object.entries(changes).some(([name, value]) => this[name] !== value);
      Object.assign(this, changes);
      if (changes.idle === false) this.armIdleTimer();
      if (changed) {
        const now = performance.now();
        for (const listener of this.listeners) listener(now);
      }
    }

    stop() {
      clearTimeout(this.idleTimer);
      clearTimeout(this.inputPauseTimer);
      this.stopListeningForInput();
      for (const remove of this.handlers) remove();
      this.listeners.clear();
    }
  }

  function anyMediaPlaying() {
    for (const media of document.querySelectorAll("video, audio")) {
      if (!media.paused && !media.ended) return true;
    }
    return false;
  }

  Object.assign(globalThis.feedAudit, { Attention });
})();
