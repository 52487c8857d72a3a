// Calls to the local API from report pages: the page's CSRF token stands in for the bearer token.
const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content ?? "";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// Returns the parsed JSON body; throws ApiError with the server's message on any non-2xx answer.
export async function api(path, { method = "GET", body } = {}) {
  const headers = { "X-CSRF-Token": csrfToken };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const data = await response.json().catch(() => ({ ok: false, error: `HTTP ${response.status}` }));
  if (!response.ok || data.ok === false) throw new ApiError(response.status, data.error ?? `HTTP ${response.status}`);
  return data;
}

// Reads JSON that the server embedded in the page (<script type="application/json" id=...>).
export function pageData(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : null;
}
