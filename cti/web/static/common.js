// What every alo153 page shares: building DOM from data with textContent only (never HTML),
// Turkish-first labels, times in Turkish, and the JSON API with the session's CSRF token.
// A page imports it as an ES module; the strict CSP allows nothing inline.

export const $ = (id) => document.getElementById(id);

export function el(tag, opts = {}, ...children) {
  const node = document.createElement(tag);
  if (opts.text !== undefined && opts.text !== null) node.textContent = String(opts.text);
  if (opts.cls) node.className = opts.cls;
  for (const [k, v] of Object.entries(opts.attrs || {})) node.setAttribute(k, String(v));
  for (const child of children) if (child) node.append(child);
  return node;
}

// [Turkish, English] as "Türkçe / English" in one string, or as a span whose English is quieter.
export const pair = ([tr, en]) => `${tr} / ${en}`;
export function both([tr, en]) {
  const span = el("span", { text: tr + " " });
  span.append(el("span", { cls: "en", text: "/ " + en }));
  return span;
}

export function when(epoch) {
  return typeof epoch === "number"
    ? new Date(epoch * 1000).toLocaleString("tr-TR", { dateStyle: "short", timeStyle: "short" })
    : "";
}

// `line`: the line of an uploaded file the server refused (a CSV import), when it says one.
export class ApiError extends Error {
  constructor(status, message, line) { super(message); this.status = status; this.line = line; }
}

// The signed-in session: its CSRF token goes with every unsafe request; a 401 calls onExpired.
export const session = { csrf: "", user: null, onExpired: () => {} };

// A body is sent as JSON, unless it is FormData (multipart, the browser sets the type) or a
// Blob (sent as it is, with `type`).
export async function api(method, url, body, { type = "application/octet-stream" } = {}) {
  const headers = { Accept: "application/json" };
  const raw = body instanceof FormData || body instanceof Blob;
  if (body instanceof Blob) headers["Content-Type"] = type;
  else if (body !== undefined && !raw) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRF-Token"] = session.csrf;
  const response = await fetch(url, {
    method, headers, credentials: "same-origin",
    body: body === undefined || raw ? body : JSON.stringify(body),
  });
  let data = null;
  try { data = await response.json(); } catch { data = null; }
  if (!response.ok) {
    if (response.status === 401 && session.user) { session.user = null; session.onExpired(); }
    const error = (data && data.error) || {};
    throw new ApiError(response.status, error.message || `HTTP ${response.status}`, error.line);
  }
  return data;
}

// Sign-in for a page with a sign-in form (#login-username, #login-password, #login-error) and a
// sign-out button: `enter(user)` runs once signed in (also when the session cookie is still
// valid on load), `leave()` when signed out or the session ends.
export function signInFlow({ enter, leave, form = "login-form", logout = "btn-logout" }) {
  const started = (answer) => { session.csrf = answer.csrf_token; session.user = answer.user; };
  session.onExpired = leave;
  $(form).addEventListener("submit", async (event) => {
    event.preventDefault();
    $("login-error").textContent = "";
    try {
      started(await api("POST", "/api/session", {
        username: $("login-username").value.trim(), password: $("login-password").value,
      }));
      $("login-password").value = "";
      await enter(session.user);
    } catch (error) {
      $("login-error").textContent = error.status === 401
        ? "Kullanıcı adı veya parola yanlış / Wrong username or password" : error.message;
    }
  });
  $(logout).addEventListener("click", async () => {
    try { await api("DELETE", "/api/session"); } catch { /* signed out anyway */ }
    session.user = null;
    leave();
  });
  return (async () => {
    try {
      started(await api("GET", "/api/session"));
      await enter(session.user);
    } catch { leave(); }
  })();
}
