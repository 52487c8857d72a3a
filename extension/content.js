// Classic loader: statically declared content scripts cannot be ES modules,
// so this file only imports the real module (listed in web_accessible_resources).
(() => {
  const api = globalThis.browser ?? globalThis.chrome;
  // Private windows are never recorded (the manifest also sets "incognito": "not_allowed").
  if (api.extension?.inIncognitoContext) return;
  // Statically declared and dynamically registered (opt-in news sites) scripts may both run.
  if (globalThis.feedAuditContentLoaded) return;
  globalThis.feedAuditContentLoaded = true;
  import(api.runtime.getURL("content/main.js"))
    .then((module) => module.start())
    .catch((error) => console.warn("Feed Audit: content script failed to start", error));
})();
