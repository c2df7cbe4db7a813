// ALO 153 operator console: one page, no reloads. Everything shown that came from a citizen or
// a caller id is put in with textContent, never as HTML (see el()).
const $ = (id) => document.getElementById(id);
const S = { me: null, csrf: "", ref: null, codes: { dispositions: [], pauses: [] },
  ws: null, retry: 0, pops: new Map(), call: null, wrapup: [], agent: null, ticket: null,
  skew: 0, chosen: null, pinger: null, signedIn: false,
  units: null, suggested: null, kind: "", picked: false, asked: { form: 0, ticket: 0 },
  fb: { on: false, timer: null, queue: null, current: null, attempt: null, popping: null } };

const STATUS = {
  offline: ["Kuyrukta değil", "Not in queue"], available: ["Hazır", "Available"],
  ringing: ["Çalıyor", "Ringing"], on_call: ["Görüşmede", "On call"],
  after_call_work: ["Çağrı sonrası işlem", "Wrap-up"], paused: ["Molada", "Paused"],
  unavailable: ["Telefon kayıtlı değil", "Phone not registered"], busy: ["Meşgul", "Busy"],
};
const CLOSE_REASON = { no_answer: "cevapsız / not answered", answered_elsewhere:
  "başka operatör cevapladı / answered elsewhere", caller_left: "arayan kapattı / caller left",
  cancelled: "iptal / cancelled" };
const OUTCOME = { answered: "Cevaplandı", abandoned: "Terk edildi", in_progress: "Sürüyor" };

function el(tag, opts = {}, ...children) {
  const node = document.createElement(tag);
  if (opts.text !== undefined && opts.text !== null) node.textContent = String(opts.text);
  if (opts.cls) node.className = opts.cls;
  for (const [k, v] of Object.entries(opts.attrs || {})) node.setAttribute(k, String(v));
  for (const child of children) if (child) node.append(child);
  return node;
}
function both(tr, en) { const s = el("span", { text: tr + " " }); s.append(el("span", { cls: "en", text: "/ " + en })); return s; }
function when(epoch) { return epoch ? new Date(epoch * 1000).toLocaleString("tr-TR") : ""; }
function notice(text) { $("notice").textContent = text || ""; }

class ApiError extends Error { constructor(status, message) { super(message); this.status = status; } }
async function api(method, path, body) {
  const headers = { "Accept": "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRF-Token"] = S.csrf;
  const response = await fetch(path, { method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body) });
  let data = null;
  try { data = await response.json(); } catch { data = null; }
  if (!response.ok) {
    if (response.status === 401 && S.signedIn) showLogin();
    throw new ApiError(response.status, (data && data.error && data.error.message) || `HTTP ${response.status}`);
  }
  return data;
}

// --- sign in --------------------------------------------------------------------------------
function showLogin() {
  S.signedIn = false;
  if (S.ws) { S.ws.onclose = null; S.ws.close(); S.ws = null; }
  stopFeedback();
  $("console").hidden = true; $("login").hidden = false; $("login-username").focus();
}
// Whoever signs in here without a console role has a page of their own.
const HOME = [["unit_staff", "/static/unit.html"], ["field_staff", "/static/field.html"],
  ["supervisor", "/static/takip.html"], ["admin", "/static/admin.html"]];
function homeOf(roles) {
  if (roles.includes("operator") || roles.includes("feedback_operator")) return null;
  const found = HOME.find(([role]) => roles.includes(role));
  return found ? found[1] : null;
}
async function enter(session) {
  const home = homeOf(session.user.roles || []);
  if (home) { location.replace(home); return; }
  S.me = session.user; S.csrf = session.csrf_token; S.signedIn = true;
  $("me").textContent = `${S.me.full_name || S.me.username}` + (S.me.extension ? ` · dahili ${S.me.extension}` : "");
  // The console shows once the reference data is here: a ticket opened earlier would be drawn
  // without its next steps, and the unit picker filled later would drop its choice.
  const [ref, units] = await Promise.allSettled([api("GET", "/api/reference"), api("GET", "/api/units")]);
  if (ref.status === "fulfilled") { S.ref = ref.value; fillReference(); } else notice(ref.reason.message);
  if (units.status === "fulfilled") { S.units = units.value; fillUnits(); } else notice(units.reason.message);
  $("login").hidden = true; $("console").hidden = false;
  if ((S.me.roles || []).includes("feedback_operator")) startFeedback();
  const phone = !!S.me.extension;
  for (const id of ["btn-join", "btn-leave", "pause-reason", "btn-pause", "btn-resume"]) $(id).hidden = !phone;
  if (phone) connect();
  else notice("Hesabınıza bağlı bir dahili yok: çağrı almadan kayıtlarla çalışabilirsiniz. / No softphone is tied to your account: you can work with tickets, without calls.");
}
$("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault(); $("login-error").textContent = "";
  try {
    enter(await api("POST", "/api/session", { username: $("login-username").value.trim(),
      password: $("login-password").value }));
    $("login-password").value = "";
  } catch (e) { $("login-error").textContent = e.message; }
});
$("btn-logout").addEventListener("click", async () => {
  try { await api("DELETE", "/api/session"); } catch { /* signed out anyway */ }
  sessionStorage.clear(); showLogin();
});

// --- the live link --------------------------------------------------------------------------
function connect() {
  if (!S.signedIn) return;
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/console/ws`);
  S.ws = ws; let opened = false;
  ws.onopen = () => { opened = true; S.retry = 0; $("link").dataset.up = "true"; notice(""); };
  ws.onmessage = (ev) => { try { handle(JSON.parse(ev.data)); } catch (e) { console.warn("bad message", e); } };
  ws.onclose = async () => {
    $("link").dataset.up = "false"; clearInterval(S.pinger);
    if (!S.signedIn || S.ws !== ws) return;
    if (!opened) { try { await api("GET", "/api/session"); } catch { return; } }
    notice("Canlı bağlantı koptu, yeniden bağlanıyor… / Live link lost, reconnecting…");
    const delay = Math.min(5000, 250 * 2 ** S.retry++);
    setTimeout(connect, delay);
  };
  clearInterval(S.pinger);
  S.pinger = setInterval(() => { if (ws.readyState === 1) ws.send("ping"); }, 20000);
}

function handle(msg) {
  switch (msg.type) {
    case "hello":
      S.skew = msg.at * 1000 - Date.now();
      S.agent = msg.agent; S.codes = msg.codes || S.codes; S.pops = new Map();
      for (const pop of msg.pops) S.pops.set(pop.call_id, pop);
      S.call = msg.call; S.wrapup = msg.wrapup; fillCodes();
      // A reload during a call: the working screen comes back, the typed draft with it.
      if (S.call && !S.ticket && !$("t-description").value) startWork(S.call, false);
      renderAll(); feedbackPop(S.call || msg.pops[0]); break;
    case "agent": S.agent = msg.agent; renderAgent(); break;
    case "pop": S.pops.set(msg.call_id, msg); renderPops(); renderAgent(); feedbackPop(msg); break;
    case "history": {
      const pop = S.pops.get(msg.call_id); if (pop) pop.history = msg.history;
      if (S.call && S.call.call_id === msg.call_id) S.call.history = msg.history;
      renderPops(); renderCall(); break;
    }
    case "pop_closed": S.pops.delete(msg.call_id); renderPops(); renderAgent(); break;
    case "call": S.pops.delete(msg.call_id); S.call = msg; startWork(msg); renderAll(); feedbackPop(msg); break;
    case "call_ended": if (S.call && S.call.call_id === msg.call_id) S.call.ended = true; renderCall(); break;
    case "wrapup": S.wrapup = msg.pending; renderWrapup(); break;
    default: break;
  }
}

// --- rendering ------------------------------------------------------------------------------
function renderAll() { renderAgent(); renderPops(); renderCall(); renderWrapup(); }

function agentStatus() {
  if (!S.agent) return "offline";
  if (S.pops.size && S.agent.status === "available") return "ringing";
  return S.agent.status;
}
function renderAgent() {
  const status = agentStatus(); const [tr, en] = STATUS[status] || [status, status];
  const badge = $("agent-status"); badge.dataset.status = status;
  let text = `${tr} / ${en}`;
  if (status === "paused" && S.agent.pause_reason) {
    const reason = S.codes.pauses.find((c) => c.code === S.agent.pause_reason);
    const auto = S.agent.pause_reason.toLowerCase() === "auto-pause";
    text += ` (${reason ? reason.tr : auto ? "cevapsız çağrı sonrası / after a missed call" : S.agent.pause_reason})`;
  }
  badge.textContent = text;
  const inQueue = !!S.agent;
  $("btn-join").disabled = inQueue; $("btn-leave").disabled = !inQueue;
  $("btn-pause").disabled = !inQueue || S.agent.paused; $("btn-resume").disabled = !inQueue || !S.agent.paused;
  document.title = S.pops.size ? "☎ Çalıyor — ALO 153" : "ALO 153 — Operatör Konsolu";
}

function hintBadges(hints) {
  const box = el("span", { cls: "hints" });
  if (!hints) return box;
  if (hints.repeat) box.append(el("span", { cls: "hint warn", text: "Tekrar arayan / repeat caller" }));
  if (hints.open_tickets) box.append(el("span", { cls: "hint warn", text: `${hints.open_tickets} açık kayıt / open tickets` }));
  if (hints.known === false) box.append(el("span", { cls: "hint", text: "Kayıt geçmişi yok / no earlier tickets" }));
  if (hints.attempt) box.append(el("span", { cls: "hint", text: "Geri arama / callback" }));
  return box;
}

function statusLabel(code) {
  const found = S.ref && (S.ref.statuses || []).find((s) => s.code === code);
  return found ? `${found.tr || found.name_tr} / ${found.en || found.name_en}` : code;
}
function categoryLabel(code) {
  const found = S.ref && (S.ref.categories || []).find((c) => c.code === code);
  return found ? (found.name_tr || found.tr) : (code || "");
}

function ticketRows(table, tickets, clickable) {
  const body = table.tBodies[0]; body.replaceChildren();
  for (const t of tickets || []) {
    const open = !["closed", "first_contact_solved"].includes(t.status);
    const row = el("tr", { cls: (open ? "open " : "") + (clickable ? "clickable" : ""), attrs: { "data-number": t.number } },
      el("td", { text: t.number }), el("td", {}, el("span", { cls: "badge", text: statusLabel(t.status) })),
      el("td", { text: categoryLabel(t.category) }), el("td", { text: t.district || "" }),
      el("td", { text: when(t.created_at) }), el("td", { text: t.description || t.excerpt || "" }));
    if (clickable) row.addEventListener("click", () => openTicket(t.number));
    body.append(row);
  }
  if (!tickets || !tickets.length) body.append(el("tr", {}, el("td", { text: "Kayıt yok / no tickets" })));
}
function callRows(table, calls) {
  const body = table.tBodies[0]; body.replaceChildren();
  for (const c of calls || []) {
    body.append(el("tr", {}, el("td", { text: when(c.started_at) }),
      el("td", { text: OUTCOME[c.outcome] || c.outcome }), el("td", { text: c.answered_by || "" })));
  }
  if (!calls || !calls.length) body.append(el("tr", {}, el("td", { text: "Önceki çağrı yok / no earlier calls" })));
}

function renderPops() {
  const box = $("pops"); box.replaceChildren();
  for (const pop of S.pops.values()) {
    const caller = pop.caller || {};
    const card = el("div", { cls: "pop", attrs: { "data-testid": "pop", "data-call-id": pop.call_id } },
      el("div", { cls: "caller" }, el("span", { cls: "label", text: "Çalıyor / Ringing" }),
        el("strong", { cls: "number", text: caller.number || caller.caller_id || "Numara yok / no number", attrs: { "data-testid": "pop-number" } }),
        el("span", { text: caller.name || "", attrs: { "data-testid": "pop-name" } }), hintBadges(pop.hints)));
    const table = el("table", { cls: "list", attrs: { "data-testid": "pop-tickets" } }, el("tbody"));
    if (pop.history) ticketRows(table, pop.history.tickets.slice(0, 5), false);
    else table.tBodies[0].append(el("tr", {}, el("td", { text: "Geçmiş yükleniyor… / loading history…" })));
    card.append(table); box.append(card);
  }
  $("idle").hidden = S.pops.size > 0 || !!S.call;
}

function renderCall() {
  const call = S.call; $("call").hidden = !call;
  $("idle").hidden = S.pops.size > 0 || !!call;
  if (!call) return;
  const caller = call.caller || {};
  $("call-number").textContent = caller.number || caller.caller_id || "Numara yok / no number";
  $("call-name").textContent = (caller.name || "") + (call.ended ? " — görüşme bitti / call ended" : "");
  $("call-hints").replaceWith(Object.assign(hintBadges(call.hints), { id: "call-hints" }));
  const history = call.history || { tickets: [], calls: [] };
  ticketRows($("call-tickets"), history.tickets, true);
  callRows($("call-calls"), history.calls);
}

// --- the working screen: tickets ------------------------------------------------------------
const FORM_FIELDS = ["t-phone", "t-name", "t-tc", "t-category", "t-priority", "t-district", "t-location-kind", "t-neighbourhood", "t-address", "t-description"];
function draftKey() { return S.call ? `draft:${S.call.call_id}` : null; }
function startWork(call, focus = true) {
  showForm();
  const caller = call.caller || {};
  $("t-phone").value = caller.number || ""; $("t-name").value = caller.name || "";
  const saved = sessionStorage.getItem(`draft:${call.call_id}`);
  if (saved) { try { const d = JSON.parse(saved); for (const id of FORM_FIELDS) if (d[id] !== undefined) $(id).value = d[id]; fillNeighbourhoods(d["t-neighbourhood"]); } catch { /* ignore */ } }
  suggestForm();
  if (focus) $("t-description").focus();
}
$("ticket-form").addEventListener("input", () => {
  const key = draftKey(); if (!key) return;
  const draft = {}; for (const id of FORM_FIELDS) draft[id] = $(id).value;
  sessionStorage.setItem(key, JSON.stringify(draft));
});
function showForm() { S.ticket = null; $("ticket").hidden = true; $("ticket-form").hidden = false; }
function optional(id) { const v = $(id).value.trim(); return v === "" ? null : v; }

$("ticket-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const body = { channel: "phone", citizen_phone: optional("t-phone"), citizen_name: optional("t-name"),
    citizen_tc: optional("t-tc"), category: $("t-category").value, priority: $("t-priority").value || "normal",
    district: optional("t-district"), neighbourhood: optional("t-neighbourhood"), address: optional("t-address"),
    description: $("t-description").value.trim(), no_callback: $("t-no-callback").checked };
  if (S.call) body.call_id = S.call.call_id;
  try {
    const ticket = await api("POST", "/api/tickets", body);
    const key = draftKey(); if (key) sessionStorage.removeItem(key);
    S.kind = $("t-location-kind").value; // not a ticket field: it only steers the suggestion
    $("ticket-form").reset(); showSuggestion("t-suggestion", null);
    showTicket(ticket.ticket || ticket); notice("Kayıt oluşturuldu / ticket created");
  } catch (e) { notice(e.message); }
});

// Only the ticket opened last is drawn: a slower answer for one clicked before must not take
// its place (the solve and forward buttons act on S.ticket).
let opening = 0;
async function openTicket(number) {
  S.kind = "";
  const mine = ++opening;
  try {
    let data = await api("GET", `/api/tickets/${encodeURIComponent(number)}`);
    if (mine === opening && S.call && !S.call.ended) {
      data = await api("POST", `/api/tickets/${encodeURIComponent(number)}/calls`, { call_id: S.call.call_id });
    }
    if (mine === opening) showTicket(data.ticket || data);
  } catch (e) { if (mine === opening) notice(e.message); }
}
function showTicket(t) {
  S.ticket = t; $("ticket-form").hidden = true; $("ticket").hidden = false;
  $("ticket-number").textContent = t.number; $("ticket-status").textContent = statusLabel(t.status);
  $("ticket-status").dataset.status = t.status;
  $("ticket-summary").textContent = [categoryLabel(t.category), t.district, t.neighbourhood, t.address, t.description].filter(Boolean).join(" · ");
  const status = S.ref && (S.ref.statuses || []).find((s) => s.code === t.status);
  $("btn-solve").disabled = t.status !== "new";
  // A new ticket is forwarded; one already at a unit, or returned by it, is re-routed.
  $("btn-forward").disabled = !(status ? (status.next || []).includes("forwarded") : t.status === "new");
  $("forward-location-kind").value = S.kind || "";
  S.picked = false; S.suggested = null; markOverride();
  suggestTicket();
}
async function solve() {
  if (!S.ticket) return;
  const resolution = $("ticket-resolution").value.trim();
  if (!resolution) { notice("Çözüm notu gerekli / a resolution note is required"); $("ticket-resolution").focus(); return; }
  try {
    const data = await api("POST", `/api/tickets/${encodeURIComponent(S.ticket.number)}/solve`, { resolution });
    showTicket(data.ticket || data); $("ticket-resolution").value = ""; notice("Kayıt kapatıldı / ticket closed");
  } catch (e) { notice(e.message); }
}
async function forward() {
  if (!S.ticket) return;
  try {
    const unit = $("forward-unit").value;
    if (!unit) { notice("Bir birim seçin / choose a unit"); $("forward-unit").focus(); return; }
    // Both go to the trail: what the rules suggested and what the operator chose.
    const data = await api("POST", `/api/tickets/${encodeURIComponent(S.ticket.number)}/forward`,
      { unit, suggested: S.suggested, note: $("ticket-resolution").value.trim() });
    showTicket(data.ticket || data); notice("Kayıt yönlendirildi / ticket forwarded");
  } catch (e) { notice(e.message); }
}
$("btn-solve").addEventListener("click", solve);
$("btn-forward").addEventListener("click", forward);
$("btn-new-ticket").addEventListener("click", () => { showForm(); $("t-description").focus(); });

let searching = 0; // the last search's results stand, whichever answer comes back last
$("search-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const q = $("search-q").value.trim(); if (!q) return;
  const param = /^153-\d{4}-\d+$/.test(q) ? "number" : "phone";
  const mine = ++searching;
  try {
    const data = await api("GET", `/api/tickets?${param}=${encodeURIComponent(q)}&limit=20`);
    if (mine === searching) ticketRows($("search-results"), data.tickets, true);
  } catch (e) { if (mine === searching) notice(e.message); }
});

// --- reference data -------------------------------------------------------------------------
function option(value, text) { return el("option", { text, attrs: { value } }); }
// The forward picker: the admin's organisation (GET /api/units), active units only, one group
// per municipality or ASKİ, indented by depth.
function fillUnits() {
  const box = $("forward-unit"); const chosen = box.value;
  box.replaceChildren(option("", "— birim seçin / choose a unit —"));
  let group = null;
  for (const u of S.units.units || []) {
    if (!u.active) continue;
    if (u.depth === 0) { group = el("optgroup", { attrs: { label: u.name_tr } }); box.append(group); }
    (group || box).append(option(u.code, "\u00a0\u00a0".repeat(u.depth) + u.name_tr));
  }
  box.value = chosen;
  for (const id of ["t-location-kind", "forward-location-kind"]) {
    const kind = $(id); const was = kind.value; kind.replaceChildren(option("", "— bilinmiyor / unknown —"));
    for (const k of S.units.location_kinds || []) kind.append(option(k.code, `${k.name_tr} / ${k.name_en}`));
    kind.value = was;
  }
}
function canSuggest() {
  const roles = (S.me && S.me.roles) || [];
  return roles.includes("operator") || roles.includes("supervisor");
}
// The rules' suggestion for a category, district and kind of place; the newest question wins
// (an older answer arriving late is dropped).
async function askSuggestion(where, category, district, kind) {
  const n = ++S.asked[where];
  if (!category || !canSuggest()) return null;
  const query = new URLSearchParams({ category });
  if (district) query.set("district", district);
  if (kind) query.set("location_kind", kind);
  try {
    const found = await api("GET", `/api/routing/suggest?${query}`);
    return n === S.asked[where] ? found : undefined;
  } catch (e) { if (n === S.asked[where]) notice(e.message); return undefined; }
}
function showSuggestion(id, found) {
  const box = $(id); box.replaceChildren(); box.hidden = !found;
  if (!found) return;
  box.append(el("strong", { text: found.unit ? found.label : "Öneri yok / no suggestion" }),
    el("span", { cls: "reason", text: found.reason_tr }));
}
async function suggestForm() {
  const found = await askSuggestion("form", $("t-category").value, $("t-district").value, $("t-location-kind").value);
  if (found !== undefined) showSuggestion("t-suggestion", found);
}
async function suggestTicket() {
  const t = S.ticket; if (!t) return;
  const found = await askSuggestion("ticket", t.category, t.district, $("forward-location-kind").value);
  if (found === undefined) return;
  S.suggested = (found && found.unit) || null;
  showSuggestion("forward-suggestion", found);
  if (S.suggested && !S.picked) $("forward-unit").value = S.suggested;
  markOverride();
}
function markOverride() {
  const unit = $("forward-unit").value;
  $("forward-override").hidden = !S.suggested || !unit || unit === S.suggested;
}
for (const id of ["t-category", "t-district", "t-location-kind"]) $(id).addEventListener("change", suggestForm);
$("forward-location-kind").addEventListener("change", () => { S.kind = $("forward-location-kind").value; suggestTicket(); });
$("forward-unit").addEventListener("change", () => { S.picked = true; markOverride(); });
function fillReference() {
  const ref = S.ref || {};
  const cat = $("t-category"); cat.replaceChildren(option("", "— seçin / choose —"));
  const groupNames = new Map((ref.groups || []).map((g) => [g.code, g.name_tr]));
  const groups = new Map();
  for (const c of ref.categories || []) {
    const g = groupNames.get(c.group) || c.group || "";
    if (!groups.has(g)) { groups.set(g, el("optgroup", { attrs: { label: g } })); cat.append(groups.get(g)); }
    groups.get(g).append(option(c.code, c.name_tr || c.code));
  }
  const prio = $("t-priority"); prio.replaceChildren();
  for (const p of ref.priorities || []) prio.append(option(p.code, `${p.tr || p.name_tr || p.code}`));
  prio.value = "normal";
  const dist = $("t-district"); dist.replaceChildren(option("", "—"));
  for (const d of ref.districts || []) dist.append(option(d.code, d.name || d.code));
  fillNeighbourhoods();
}
function fillNeighbourhoods(selected) {
  const box = $("t-neighbourhood"); box.replaceChildren(option("", "—"));
  const d = ((S.ref && S.ref.districts) || []).find((x) => x.code === $("t-district").value);
  for (const n of (d && d.neighbourhoods) || []) {
    const code = typeof n === "string" ? n : n.code; const name = typeof n === "string" ? n : (n.name || n.code);
    box.append(option(code, name));
  }
  if (selected) box.value = selected;
}
$("t-district").addEventListener("change", () => fillNeighbourhoods());

function fillCodes() {
  const pause = $("pause-reason"); pause.replaceChildren();
  for (const c of S.codes.pauses) pause.append(option(c.code, `${c.tr} / ${c.en}`));
  const then = $("wrapup-then"); then.replaceChildren(option("", "Hazır ol / be available"));
  for (const c of S.codes.pauses) then.append(option(c.code, `${c.tr} / ${c.en}`));
  const box = $("wrapup-codes"); box.replaceChildren();
  S.codes.dispositions.forEach((c, i) => {
    const button = el("button", { attrs: { type: "button", "data-code": c.code, "aria-pressed": "false" } },
      el("kbd", { text: String((i + 1) % 10) }), both(c.tr, c.en));
    button.addEventListener("click", () => choose(c.code));
    box.append(button);
  });
}

// --- queue and wrap-up ----------------------------------------------------------------------
// The answer's state is not applied: Asterisk's event may reach the WebSocket before this
// answer reaches the page, and the older picture would win. The WebSocket is the truth.
async function queueAction(path, body) {
  try { await api("POST", path, body || {}); notice(""); return true; }
  catch (e) { notice(e.message); return false; }
}
$("btn-join").addEventListener("click", () => queueAction("/api/console/queue/join"));
$("btn-leave").addEventListener("click", () => queueAction("/api/console/queue/leave"));
$("btn-pause").addEventListener("click", () => queueAction("/api/console/queue/pause", { reason: $("pause-reason").value }));
$("btn-resume").addEventListener("click", () => queueAction("/api/console/queue/resume"));

function choose(code) {
  S.chosen = code;
  for (const b of $("wrapup-codes").querySelectorAll("button")) b.setAttribute("aria-pressed", String(b.dataset.code === code));
}
function renderWrapup() {
  const pending = S.wrapup && S.wrapup[0];
  $("wrapup").hidden = !pending;
  if (!pending) { S.chosen = null; return; }
  $("wrapup").dataset.callId = pending.call_id;
  tick();
}
function tick() {
  const pending = S.wrapup && S.wrapup[0]; if (!pending) return;
  const left = Math.max(0, Math.round(pending.deadline - (Date.now() + S.skew) / 1000));
  $("wrapup-left").textContent = `${left} sn`;
}
setInterval(tick, 1000);
async function saveWrapup() {
  const pending = S.wrapup && S.wrapup[0]; if (!pending) return;
  if (!S.chosen) { notice("Bir sonuç kodu seçin / choose an outcome code"); return; }
  const saved = await queueAction("/api/console/disposition", { call_id: pending.call_id,
    code: S.chosen, note: $("wrapup-note").value.trim(), then_pause: $("wrapup-then").value || null });
  if (!saved) return;
  $("wrapup-note").value = ""; choose(null);
  if (S.call && S.call.call_id === pending.call_id && S.call.ended) { S.call = null; renderCall(); }
}
$("wrapup-save").addEventListener("click", saveWrapup);

// --- the feedback console: calling citizens back about resolved tickets -------------------
// The queue is polled (and reloaded after each step); a callback's pop carries the dialer's
// attempt id (ALO153_ATTEMPT), which names the callback and its ticket.
const FB_POLL_MS = 10000;
const MODE = { progressive: ["Otomatik arama", "Progressive"], preview: ["Önizlemeli arama", "Preview"],
  off: ["Arama kapalı", "Dialer off"] };
const LAST = { answered: "Cevaplandı / answered", no_answer: "Cevap yok / no answer",
  busy: "Meşgul / busy", congestion: "Hat yoğun / congestion", invalid_number: "Geçersiz numara / invalid number",
  failed: "Başarısız / failed", abandoned: "Bağlanmadan kapattı / hung up before an operator",
  unknown: "Bilinmiyor / unknown" };
function startFeedback() {
  S.fb.on = true; $("feedback-panel").hidden = false;
  loadCallbacks(); clearInterval(S.fb.timer); S.fb.timer = setInterval(loadCallbacks, FB_POLL_MS);
}
function stopFeedback() {
  clearInterval(S.fb.timer); S.fb = { on: false, timer: null, queue: null, current: null, attempt: null, popping: null };
  $("feedback-panel").hidden = true;
}
// The poll and the reloads after each step overlap: only the newest answer is drawn, or a
// poll sent before an outcome was saved would put the callback back under "calling".
let fbLoads = 0;
async function loadCallbacks() {
  if (!S.fb.on) return;
  const mine = ++fbLoads;
  try {
    const queue = await api("GET", "/api/callbacks");
    if (mine === fbLoads && S.fb.on) { S.fb.queue = queue; renderCallbacks(); }
  } catch (e) { if (mine === fbLoads) notice(e.message); }
}
function unitName(code) {
  const found = S.units && (S.units.units || []).find((u) => u.code === code);
  return found ? found.name_tr : (code || "");
}
function excerpt(text, n = 90) { return !text ? "" : text.length > n ? text.slice(0, n - 1) + "…" : text; }
function callbackRows(table, list, scheduled) {
  const body = table.tBodies[0]; body.replaceChildren();
  for (const c of list) {
    const mine = c.assigned_to && S.me && c.assigned_to === S.me.username;
    body.append(el("tr", { cls: mine ? "mine" : "", attrs: { "data-number": c.ticket_number, "data-callback": c.callback_id } },
      el("td", { text: c.ticket_number }), el("td", { text: categoryLabel(c.category) }),
      el("td", { text: unitName(c.unit) }), el("td", { text: excerpt(c.resolution) }),
      el("td", { text: `${c.attempts}/${c.max_attempts} deneme / attempts` + (c.last_outcome ? ` · ${LAST[c.last_outcome] || c.last_outcome}` : "") }),
      el("td", { text: (c.appointment_at ? "Randevu / appointment " : "") + (scheduled || c.appointment_at ? when(c.due_at) : (mine ? "Sizde / yours" : "")) })));
  }
  if (!list.length) body.append(el("tr", {}, el("td", { text: "Yok / none" })));
}
function renderCallbacks() {
  const q = S.fb.queue; if (!q) return;
  const [tr, en] = MODE[q.mode] || [q.mode, q.mode];
  $("cb-mode").textContent = `${tr} / ${en}`; $("cb-mode").dataset.mode = q.mode;
  for (const name of ["waiting", "calling", "scheduled"]) {
    callbackRows($(`cb-${name}`), q[name], name === "scheduled");
    $(`cb-${name}-count`).textContent = String(q[name].length);
  }
  $("cb-take").hidden = q.mode !== "preview";
  $("cb-take").disabled = !q.waiting.length || !!S.fb.current;
  $("cb-updated").textContent = `${new Date(q.at * 1000).toLocaleTimeString("tr-TR")}`;
}
// `found`: a callback and its ticket, taken for preview or on the line (`calling`).
function showCallback(found, heading, calling) {
  const t = found.ticket; const c = found.callback;
  S.fb.current = { id: c.callback_id, ticket: t };
  $("cb-current").hidden = false; $("cb-heading").textContent = heading;
  $("cb-number").textContent = t.number;
  $("cb-resolution").textContent = t.resolution || "—";
  $("cb-unit").textContent = unitName(t.unit);
  $("cb-citizen").textContent = t.citizen_name || "Ad yok / no name";
  $("cb-request").textContent = [categoryLabel(t.category), t.district, t.address, t.description].filter(Boolean).join(" · ");
  $("cb-attempts").textContent = `${c.attempts}/${c.max_attempts}` + (c.last_outcome ? ` · ${LAST[c.last_outcome] || c.last_outcome}` : "");
  $("cb-call").hidden = calling; $("cb-verdict").hidden = !calling; $("cb-dismiss").hidden = calling;
  if (calling) { $("cb-verdict").reset(); wordsNeeded(); $("cb-verdict").querySelector("input").focus(); }
  else $("cb-call").focus();
  renderCallbacks();
}
function closeCallback() { S.fb.current = null; S.fb.attempt = null; $("cb-current").hidden = true; renderCallbacks(); }
async function takeNext() {
  const q = S.fb.queue; if (!q || q.mode !== "preview" || S.fb.current) return;
  // One already taken (a reload after taking it) comes first, then the queue's order.
  const next = q.waiting.find((c) => c.assigned_to === S.me.username) || q.waiting.find((c) => !c.assigned_to);
  if (!next) { notice("Bekleyen geri arama yok / no callback waiting"); return; }
  try { showCallback(await api("POST", `/api/callbacks/${next.callback_id}/take`), "Önizleme / Preview:", false); }
  catch (e) { notice(e.message); loadCallbacks(); }
}
// A callback previewed but not called goes back to the queue, for whoever is free: kept, it
// would wait for this operator alone.
async function putBack() {
  const found = S.fb.current; if (!found || !$("cb-verdict").hidden) return;
  try {
    await api("POST", `/api/callbacks/${found.id}/release`);
    notice("Geri arama sıraya bırakıldı / callback put back in the queue");
  } catch (e) { notice(e.message); }
  closeCallback(); loadCallbacks();
}
async function callNow() {
  const found = S.fb.current; if (!found || !$("cb-verdict").hidden) return;
  try {
    const placed = await api("POST", `/api/callbacks/${found.id}/call`);
    S.fb.attempt = placed.attempt_id;
    notice("Vatandaş aranıyor; cevap verince bağlanacaksınız / calling the citizen; you are connected when they answer");
    $("cb-call").hidden = true; $("cb-dismiss").hidden = true; loadCallbacks();
  } catch (e) { notice(e.message); loadCallbacks(); }
}
async function feedbackPop(msg) {
  const attempt = msg && msg.hints && msg.hints.attempt;
  if (!S.fb.on || !attempt) return;
  const shown = S.fb.current && !$("cb-verdict").hidden;
  if (shown && S.fb.attempt === attempt) return;
  // The pop and the call's own message can both name this attempt: the second must not redraw
  // (and reset) the outcome form the operator has started on.
  if (S.fb.popping === attempt) return;
  S.fb.popping = attempt;
  try {
    const found = await api("GET", `/api/callbacks/attempts/${encodeURIComponent(attempt)}`);
    if (S.fb.popping !== attempt || !S.fb.on) return;
    S.fb.attempt = attempt; showCallback(found, "Geri arama / Callback:", true); loadCallbacks();
  } catch (e) {
    if (S.fb.popping === attempt) S.fb.popping = null; // a later message may try again
    notice(e.message);
  }
}
function chosenOutcome() { const r = $("cb-verdict").querySelector("input[name=cb-outcome]:checked"); return r ? r.value : ""; }
function wordsNeeded() {
  const outcome = chosenOutcome(); const need = outcome === "not_solved";
  $("cb-words").required = need; $("cb-words").disabled = outcome === "wrong_number";
  $("cb-satisfaction").disabled = outcome === "wrong_number" || outcome === "later";
  const later = outcome === "later"; $("cb-later-label").hidden = !later; $("cb-later-at").required = later;
  if (later) {
    const step = 5 * 60 * 1000; const soon = Math.ceil((Date.now() + 10 * 60 * 1000) / step) * step;
    $("cb-later-at").min = localInput(soon);
    if (!$("cb-later-at").value) $("cb-later-at").value = localInput(Math.ceil((Date.now() + 3600 * 1000) / step) * step);
  }
  $("cb-words-need").textContent = need ? "(gerekli, birime gider / required, goes to the unit)" : "(isteğe bağlı / optional)";
}
// A datetime-local value ("2026-11-27T15:00") for an epoch in ms, in Istanbul's time (UTC+3).
function localInput(ms) { return new Date(ms + 3 * 3600 * 1000).toISOString().slice(0, 16); }
// The chosen moment as ISO 8601 with Istanbul's offset: what the API takes, whatever the
// browser's own time zone.
function laterAt() { const v = $("cb-later-at").value; return v ? `${v}:00+03:00` : ""; }
async function saveVerdict(ev) {
  if (ev) ev.preventDefault();
  const found = S.fb.current; const outcome = chosenOutcome(); if (!found) return;
  if (!outcome) { notice("Bir sonuç seçin / choose an outcome"); return; }
  const words = $("cb-words").value.trim(); const score = $("cb-satisfaction").value;
  if (outcome === "not_solved" && !words) { notice("Vatandaşın sözleri gerekli / the citizen's words are required"); $("cb-words").focus(); return; }
  const body = { outcome };
  if (outcome !== "wrong_number" && words) body.words = words;
  if (outcome !== "wrong_number" && outcome !== "later" && score) body.satisfaction = Number(score);
  if (outcome === "later") {
    body.at = laterAt();
    if (!body.at) { notice("Aranacağı zamanı seçin / choose when to call"); $("cb-later-at").focus(); return; }
  }
  try {
    const done = await api("POST", `/api/callbacks/${found.id}/outcome`, body);
    notice(outcome === "later"
      ? `${done.ticket.number}: ${when(done.callback.due_at)} aranacak / to be called then`
      : `${done.ticket.number}: ${statusLabel(done.ticket.status)}`);
    closeCallback(); loadCallbacks();
  } catch (e) { notice(e.message); }
}
$("cb-verdict").addEventListener("change", wordsNeeded);
$("cb-verdict").addEventListener("submit", saveVerdict);
$("cb-verdict").addEventListener("keydown", (ev) => { if (ev.key === "Enter" && ev.ctrlKey) saveVerdict(ev); });
$("cb-take").addEventListener("click", takeNext);
$("cb-call").addEventListener("click", callNow);
$("cb-refresh").addEventListener("click", loadCallbacks);
$("cb-dismiss").addEventListener("click", putBack);

// --- keyboard -------------------------------------------------------------------------------
document.addEventListener("keydown", (ev) => {
  if (!S.signedIn) return;
  if (ev.altKey) {
    const action = { "1": () => $("btn-join").click(), "2": () => $("btn-leave").click(),
      "3": () => $("btn-pause").click(), "4": () => $("btn-resume").click(),
      n: () => $("t-description").focus(), s: solve, y: forward, f: () => $("search-q").focus(),
      t: () => S.fb.on && takeNext(), c: () => S.fb.on && callNow() }[ev.key.toLowerCase()];
    if (action) { ev.preventDefault(); action(); }
    return;
  }
  if ($("wrapup").hidden) return;
  // The callback's outcome form keeps its own keys (Enter on its button saves the outcome).
  const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName)
    || !!document.activeElement.closest("#cb-verdict");
  if (!typing && /^[0-9]$/.test(ev.key)) {
    const index = ev.key === "0" ? 9 : Number(ev.key) - 1;
    const code = S.codes.dispositions[index]; if (code) { ev.preventDefault(); choose(code.code); }
  } else if (ev.key === "Enter" && (!typing || document.activeElement.id === "wrapup-note")) {
    ev.preventDefault(); saveWrapup();
  }
});

// --- start ----------------------------------------------------------------------------------
(async () => {
  try { await enter(await api("GET", "/api/session")); } catch { showLogin(); }
})();
