// Helpers shared by every part of the extension. Written as a classic script (no
// import/export) because the content scripts, which cannot be ES modules, load it as
// one of their plain scripts; ES modules load it through common/util.js.
(() => {
  const api = globalThis.browser ?? globalThis.chrome;

  // crypto.randomUUID needs a secure context; plain-http pages still get RFC 4122 v4 ids.
  function uuid() {
    if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function absoluteUrl(href) {
    if (!href) return null;
    try {
      return new URL(href, globalThis.location?.href).href;
    } catch {
      return null;
    }
  }

  // One namespace per JavaScript world (the content scripts' isolated world, the worker, a page).
  Object.assign((globalThis.feedAudit ??= {}), { api, uuid, absoluteUrl });
})();
