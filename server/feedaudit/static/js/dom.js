// Small DOM helpers for the manage pages: captured strings only ever become text (textContent), never HTML.

// el("a", {href, className}, child...) builds an element; string children become text nodes.
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "className") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function percent(share, digits = 0) {
  return share === null || share === undefined ? "–" : `${(share * 100).toFixed(digits)}%`;
}

// "1 h 05 min", "3 min 20 s", "12 s"
export function duration(ms) {
  const seconds = Math.round((ms ?? 0) / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, "0")} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

// Shows a message in a status region; kind is "ok", "error" or "" (neutral).
export function say(node, message, kind = "") {
  node.textContent = message;
  node.dataset.kind = kind;
}

// What to tell the person when a call failed: the server's words plus what to do next.
export function problem(error, action) {
  if (error?.status === 0 || error instanceof TypeError) {
    return `Could not reach the Feed Audit server while trying to ${action}. Is "feedaudit serve" still running? Reload the page and try again.`;
  }
  const hint = error?.status === 401 ? " Reload the page (the server was restarted) and try again." : " Check it and try again.";
  return `Could not ${action}: ${error?.message ?? "unknown error"}.${hint}`;
}
