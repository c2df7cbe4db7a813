// ALO 153 unit inbox: a municipal unit's staff see the requests 153 forwarded to them and answer
// them. Everything that came from a citizen, an operator or another unit is put in with
// textContent, never as HTML (common.js el()); the page's CSP forbids inline script and style.
import { $, api, both, el, pair, session, signInFlow, when } from "/static/common.js";

const S = { me: null, ref: null, units: new Map(), cursor: null,
  ticket: null, action: null, busy: false };
const MAX_BYTES = 10 * 1024 * 1024;
const WAITING = ["forwarded", "in_progress", "info_requested", "reopened"];

// Statuses as the unit reads them (the reference's words are the call centre's).
const UNIT_STATUS = {
  forwarded: ["Yeni geldi — görülmedi", "New — not yet acknowledged"],
  in_progress: ["İşlemde", "In progress"],
  info_requested: ["153'ün yanıtı bekleniyor", "Waiting for 153's answer"],
  reopened: ["Vatandaş çözülmedi dedi", "Citizen says it is not solved"],
  resolved: ["Çözüldü bildirildi", "Reported solved"],
  returned: ["153'e iade edildi", "Returned to 153"],
  feedback: ["Vatandaşa soruluyor", "Citizen being asked"],
  closed: ["Tamamlandı", "Completed"],
};
const ACTIONS = {
  acknowledge: { title: ["Gördüm", "Acknowledge"], done: ["Başvuru görüldü olarak işaretlendi", "Marked as acknowledged"] },
  "request-info": { field: "question", max: 2000, title: ["153'ten bilgi iste", "Ask 153 for information"],
    label: ["Sorunuz", "Your question"],
    help: ["153 çağrı merkezi gerekirse vatandaşı arar ve yanıtı buraya yazar; o sırada başvuru sizde kalır.",
      "The 153 call centre calls the citizen if needed and writes the answer here; the request stays with you."],
    done: ["Soru 153'e iletildi", "Question sent to 153"] },
  answer: { field: "text", max: 2000, photos: true, title: ["Yanıt yaz", "Write an answer"],
    label: ["Yanıtınız veya yapılan çalışma", "Your answer or the work done"],
    help: ["Yanıt kayıt geçmişine eklenir; durum değişmez.", "The answer is added to the trail; the status stays."],
    done: ["Yanıt kaydedildi", "Answer saved"] },
  resolve: { field: "resolution", max: 5000, photos: true, title: ["Çözüldü olarak bildir", "Report resolved"],
    label: ["Ne yapıldı?", "What was done?"],
    help: ["Yapılan işi yazın, varsa fotoğraf ekleyin. Vatandaşa çözüldüğü bildirilir.",
      "Describe the work and add photos if you have them. The citizen is told it is solved."],
    done: ["Çözüldü olarak bildirildi", "Reported resolved"] },
  return: { field: "reason", max: 2000, title: ["Bizim değil — 153'e iade et", "Not ours — return to 153"],
    label: ["Neden bizim değil? (zorunlu)", "Why is it not ours? (required)"],
    help: ["Başvuru 153 çağrı merkezine geri döner ve doğru birime yeniden yönlendirilir; gerekçeniz orada görünür. Başvuru sizin listenizden çıkar, kapanmaz.",
      "The request goes back to the 153 call centre, which routes it to the right unit; your reason is shown there. It leaves your list; it is not closed."],
    done: ["Başvuru 153'e iade edildi; yeniden yönlendirilecek", "Returned to 153; it will be routed again"] },
};
const EVENT = {
  created: ["Kayıt açıldı", "Opened"], updated: ["Bilgiler güncellendi", "Details changed"],
  status: ["Durum değişti", "Status changed"], linked_call: ["Çağrı bağlandı", "Call linked"],
  attachment_added: ["Ek eklendi", "File attached"], answer: ["Birimin yanıtı", "Unit's answer"],
  escalated: ["Süre aşımı", "Deadline missed"],
  field_task_opened: ["Saha ekibine görev açıldı", "Field task opened"],
  field_task_taken: ["Saha ekibi görevi üstlendi", "Field task taken"],
  field_task_cancelled: ["Saha görevi iptal edildi (başvuru sonuçlandı)", "Field task called off (request settled)"],
  field_report: ["Saha ekibi tutanak yazdı", "Field report written"],
  callback_attempt: ["Geri arama denemesi", "Feedback call attempt"],
  survey: ["Vatandaşın memnuniyet puanı", "Citizen's satisfaction score"],
  callback_later: ["Vatandaş sonra aranmak istedi", "Citizen asked to be called later"],
  callback_cancelled: ["Geri arama iptal edildi", "Feedback call cancelled"],
};
// A status step named for what happened, by the status it reached (and, once, where from).
const STEP = {
  forwarded: ["153 birime yönlendirdi", "Forwarded by 153"],
  in_progress: ["Birim gördü", "Acknowledged by the unit"],
  info_requested: ["Birim 153'ten bilgi istedi", "Unit asked 153 for information"],
  returned: ["Birim iade etti: bizim değil", "Returned by the unit: not theirs"],
  resolved: ["Birim çözüldü bildirdi", "Reported solved by the unit"],
  closed: ["Kapatıldı", "Closed"], reopened: ["Yeniden açıldı", "Reopened"],
  feedback: ["Vatandaşa soruluyor", "Citizen being asked"],
  first_contact_solved: ["İlk temasta çözüldü", "Solved at first contact"],
};
const INFO_ANSWERED = ["153 bilgiyi yanıtladı", "153 answered the question"];
// The escalation ladder's rungs as the trail names them.
const LADDER = [["Yok", "None"], ["Hatırlatma e-postası gönderildi", "Reminder e-mail sent"],
  ["Uyarı e-postası gönderildi (birim ve müdürü)", "Warning e-mail sent (unit and manager)"],
  ["Saha ekibi yerinde tespite gönderildi", "Field team sent to revisit"]];
const FIELD_REASON = { escalation: ["süre aşımı", "deadline missed"], manual: ["153'ün isteği", "asked by 153"] };
const MISSED = { acknowledge: ["görme süresi geçti", "acknowledge deadline missed"],
  resolve: ["çözüm süresi geçti", "resolve deadline missed"] };
// A note's meaning depends on the step it came with.
const NOTE = { info_requested: ["Soru", "Question"], returned: ["Gerekçe", "Reason"],
  forwarded: ["Not", "Note"] };
const TEXT_CHANGES = { question: ["Soru", "Question"], answer: ["Yanıt", "Answer"],
  text: ["Yanıt", "Answer"], reason: ["Gerekçe", "Reason"], resolution: ["Çözüm", "Resolution"],
  report: ["Tutanak", "Report"] };

function notice(text, ok) { $("notice").textContent = text || ""; $("notice").dataset.ok = ok ? "true" : "false"; }
const path = (number, tail = "") => `/api/tickets/${encodeURIComponent(number)}${tail}`;

// --- sign in --------------------------------------------------------------------------------
function showLogin() {
  filtersUsable(false); closeTicket();
  $("inbox").hidden = true; $("login").hidden = false; $("login-username").focus();
}
const canSeeAll = (roles) => roles.includes("supervisor") || roles.includes("admin");
async function enter(user) {
  S.me = user;
  $("login").hidden = true; $("inbox").hidden = false;
  const roles = S.me.roles || [];
  $("filter-unit-box").hidden = !canSeeAll(roles);
  if (!roles.includes("unit_staff") && !canSeeAll(roles)) {
    notice("Bu sayfa birim personeli içindir; çağrı merkezi konsolu: / This page is for unit staff; the call centre console is at: /");
    return;
  }
  if (roles.includes("unit_staff") && !S.me.unit && !canSeeAll(roles)) {
    notice("Hesabınız bir birime bağlı değil; yöneticinize başvurun. / Your account has no unit; ask an administrator.");
  }
  try { S.ref = await api("GET", "/api/reference"); } catch (e) { notice(e.message); }
  await loadUnits();
  $("me").textContent = (S.me.full_name || S.me.username) + (S.me.unit ? ` · ${unitName(S.me.unit)}` : "");
  fillStatuses(); filtersUsable(true); await loadList(false);
}
// The rows are drawn with the reference data (status, category and unit names): until it is here
// the filters stay disabled, so no list is asked for before the names are known.
function filtersUsable(usable) {
  for (const id of ["filter-status", "filter-overdue", "filter-unit", "btn-refresh"]) $(id).disabled = !usable;
}

// --- reference words ------------------------------------------------------------------------
function statusWords(code) {
  if (UNIT_STATUS[code]) return UNIT_STATUS[code];
  const found = S.ref && (S.ref.statuses || []).find((s) => s.code === code);
  return found ? [found.name_tr, found.name_en] : [code, code];
}
function categoryName(code) {
  const found = S.ref && (S.ref.categories || []).find((c) => c.code === code);
  return found ? found.name_tr : (code || "");
}
function districtName(code) {
  const found = S.ref && (S.ref.districts || []).find((d) => d.code === code);
  return found ? found.name : (code || "");
}
// Units by their names where the organisation is served; by their codes otherwise.
async function loadUnits() {
  try {
    const data = await api("GET", "/api/units");
    S.units = new Map((data.units || []).map((u) => [u.code, u]));
  } catch { S.units = new Map(); }
  $("unit-options").replaceChildren(...[...S.units.values()].map((u) =>
    el("option", { attrs: { value: u.code, label: u.name_tr } })));
}
function unitName(code) {
  const found = code && S.units.get(code);
  return found ? found.name_tr : (code || "");
}
function place(t) { return [districtName(t.district), t.neighbourhood, t.address].filter(Boolean).join(" · "); }
// The deadline that runs now: acknowledging until it is acknowledged, then resolving.
function deadline(t) {
  const acked = typeof t.acknowledged_at === "number" || t.status !== "forwarded";
  return acked ? t.resolve_due_at : t.ack_due_at;
}
function isOverdue(t) {
  if (typeof t.overdue === "boolean") return t.overdue;
  const due = deadline(t);
  return typeof due === "number" && WAITING.includes(t.status) && due * 1000 < Date.now();
}
function fillStatuses() {
  const box = $("filter-status"); const keep = box.value;
  box.replaceChildren(el("option", { text: "Tümü / All", attrs: { value: "" } }));
  for (const code of WAITING) box.append(el("option", { text: pair(statusWords(code)), attrs: { value: code } }));
  box.value = keep;
}

// --- the list -------------------------------------------------------------------------------
function listQuery(cursor) {
  const q = new URLSearchParams({ limit: "50" });
  if ($("filter-status").value) q.set("status", $("filter-status").value);
  if ($("filter-overdue").checked) q.set("overdue", "true");
  const unit = $("filter-unit").value.trim();
  if (!$("filter-unit-box").hidden && unit) q.set("unit", unit);
  if (cursor) q.set("cursor", cursor);
  return q;
}
// Every list load is numbered and only the newest may draw: a page asked for before the filters
// changed must not replace the list on screen, nor be appended to it, nor bring its cursor back.
let loads = 0;
async function loadList(more) {
  const mine = ++loads;
  const fresh = () => mine === loads;
  const cursor = more ? S.cursor : null;
  if (more && !cursor) return;
  if (!more) { S.cursor = null; $("btn-more").hidden = true; } // "More" belongs to the list on its way
  try {
    const page = await api("GET", `/api/inbox?${listQuery(cursor)}`);
    if (!fresh()) return;
    renderRows(page.tickets, more); S.cursor = page.next_cursor;
    $("btn-more").hidden = !S.cursor;
  } catch (e) { if (fresh()) notice(e.message); }
}
function renderRows(tickets, more) {
  const body = $("inbox-list").tBodies[0];
  if (!more) body.replaceChildren();
  // Overdue first within what is shown; the server pages newest first.
  const sorted = [...tickets].sort((a, b) => Number(isOverdue(b)) - Number(isOverdue(a)));
  for (const t of sorted) body.append(row(t));
  if (!body.rows.length) body.append(el("tr", {}, el("td", { text: "Bekleyen başvuru yok / no requests waiting", attrs: { colspan: "6" } })));
}
function row(t) {
  const late = isOverdue(t);
  const open = el("button", { text: t.number, cls: "link-button", attrs: { type: "button", "data-testid": "open-ticket" } });
  open.addEventListener("click", () => openTicket(t.number));
  const status = el("td", {}, el("span", { cls: "badge", text: pair(statusWords(t.status)), attrs: { "data-status": t.status } }));
  if (late) status.append(" ", el("span", { cls: "badge late", text: "Süresi geçti / Overdue" }));
  const tr = el("tr", { cls: late ? "late" : "", attrs: { "data-number": t.number } },
    el("td", {}, open), el("td", { text: categoryName(t.category) }), el("td", { text: place(t) }),
    el("td", { text: when(t.created_at) }), el("td", { text: when(deadline(t)) }), status);
  tr.addEventListener("click", (ev) => { if (ev.target === tr || ev.target.tagName === "TD") openTicket(t.number); });
  return tr;
}
$("filters").addEventListener("submit", (ev) => { ev.preventDefault(); loadList(false); });
$("filter-status").addEventListener("change", () => loadList(false));
$("filter-overdue").addEventListener("change", () => loadList(false));
$("btn-more").addEventListener("click", () => loadList(true));

// --- one ticket -----------------------------------------------------------------------------
// Only the ticket asked for last may draw: a slow answer for a row left behind would replace the
// one being read and wipe a step half-written on it (showTicket → hideAction).
let opens = 0;
async function openTicket(number, focus = true) {
  const mine = ++opens;
  try {
    const ticket = await api("GET", path(number));
    if (mine !== opens) return;
    showTicket(ticket);
    // On a tablet the ticket sits under the list: bring it into view, and the focus with it.
    if (focus) { $("ticket-number").focus({ preventScroll: true }); $("ticket").scrollIntoView({ block: "start" }); }
  } catch (e) { if (mine === opens) notice(e.message); }
}
function closeTicket() { S.ticket = null; hideAction(); $("ticket").hidden = true; $("ticket-empty").hidden = false; }
function showTicket(t) {
  if (!S.ticket || S.ticket.number !== t.number) hideAction(); // a half-written step stays with its ticket
  S.ticket = t; $("ticket-empty").hidden = true; $("ticket").hidden = false;
  $("ticket-number").textContent = t.number;
  $("ticket-status").textContent = pair(statusWords(t.status)); $("ticket-status").dataset.status = t.status;
  $("ticket-overdue").hidden = !isOverdue(t);
  $("ticket-category").textContent = categoryName(t.category);
  renderPlace(t);
  $("ticket-received").textContent = when(t.created_at);
  $("ticket-ack-due").textContent = dueText(t.ack_due_at, t.acknowledged_at);
  $("ticket-resolve-due").textContent = dueText(t.resolve_due_at, null);
  $("ticket-citizen").textContent = [t.citizen_name, t.citizen_phone].filter(Boolean).join(" · ") || "—";
  $("ticket-citizen-status").textContent = citizenStatus(t);
  $("ticket-description").textContent = t.description || "";
  $("ticket-resolution-box").hidden = !t.resolution; $("ticket-resolution").textContent = t.resolution || "";
  renderAttachments(t); renderTrail(t); enableActions(t);
}
function dueText(due, doneAt) {
  if (typeof doneAt === "number") return `${when(doneAt)} — yapıldı / done`;
  return typeof due === "number" ? when(due) : "—";
}
function citizenStatus(t) {
  const c = t.citizen_status;
  if (Array.isArray(c)) return pair(c);
  if (c && typeof c === "object") return pair([c.tr || c.name_tr || "", c.en || c.name_en || ""]);
  return "—";
}
function renderPlace(t) {
  const box = $("ticket-place"); box.replaceChildren(place(t) || "—");
  const lat = Number(t.latitude); const lon = Number(t.longitude);
  if (t.latitude !== null && t.longitude !== null && Number.isFinite(lat) && Number.isFinite(lon)) {
    const href = `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=18/${lat}/${lon}`;
    box.append(" ", el("a", { text: `(${lat.toFixed(5)}, ${lon.toFixed(5)}) harita / map`,
      attrs: { href, target: "_blank", rel: "noopener noreferrer" } }));
  }
}
function renderAttachments(t) {
  const list = $("ticket-attachments"); list.replaceChildren();
  for (const a of t.attachments || []) {
    const href = path(t.number, `/attachments/${encodeURIComponent(a.id)}`);
    list.append(el("li", {}, el("a", { text: a.filename, attrs: { href, download: a.filename } }),
      el("span", { cls: "muted", text: ` — ${a.uploaded_by}, ${when(a.uploaded_at)}, ${Math.ceil(a.size / 1024)} KB` })));
  }
  if (!list.children.length) list.append(el("li", { cls: "muted", text: "Ek yok / no attachments" }));
}
function renderTrail(t) {
  const list = $("ticket-trail"); list.replaceChildren();
  for (const e of t.events || []) {
    const who = e.actor === "system" ? "Sistem / System" : e.actor;
    const item = el("li", { attrs: { "data-action": e.action } },
      el("span", { cls: "when", text: when(e.at) }), " ", el("strong", { text: pair(headline(e)) }),
      " ", el("span", { cls: "who", text: `— ${who}` }));
    for (const line of [...changeLines(e), ...fieldLines(e, t)]) item.append(el("div", { cls: "change", text: line }));
    list.append(item);
  }
}
function headline(e) {
  const c = e.changes || {};
  if (e.action === "escalated" && c.escalation_level) return LADDER[c.escalation_level[1]] || EVENT.escalated;
  if (e.action !== "status" || !c.status) return EVENT[e.action] || [e.action, e.action];
  if (c.status[0] === "info_requested" && c.status[1] === "in_progress") return INFO_ANSWERED;
  return STEP[c.status[1]] || EVENT.status;
}
// A field task's entry: why it was opened; the inspector's notes, photos and the tutanak's file.
function fieldLines(e, t) {
  const c = e.changes || {}; const task = c.field_task && c.field_task[1];
  if (!task || typeof task !== "object") return [];
  const lines = [];
  if (FIELD_REASON[task.reason]) lines.push(`Neden / Why: ${pair(FIELD_REASON[task.reason])}`);
  if (typeof task.notes === "string" && task.notes) lines.push(`Saha notu / Field notes: ${task.notes}`);
  const file = (t.attachments || []).find((a) => a.id === task.report);
  if (file) lines.push(`Tutanak / Report: ${file.filename}`);
  if (Array.isArray(task.photos) && task.photos.length) lines.push(`Fotoğraf / Photos: ${task.photos.length}`);
  return lines;
}
function changeLines(e) {
  if (e.action === "created") return [];
  const c = e.changes || {}; const lines = [];
  const to = c.status ? c.status[1] : null;
  // A status step's headline says where it went; other entries say it here.
  if (c.status && e.action !== "status") lines.push(`Durum / Status: ${pair(statusWords(c.status[0]))} → ${pair(statusWords(to))}`);
  if (c.unit) lines.push(`Birim / Unit: ${unitName(c.unit[0]) || "—"} → ${unitName(c.unit[1]) || "153"}`);
  if (c.missed && MISSED[c.missed[1]]) lines.push(pair(MISSED[c.missed[1]]));
  if (c.attachment && c.attachment[1]) lines.push(`Dosya / File: ${c.attachment[1].filename || ""}`);
  const noteWords = c.status && c.status[0] === "info_requested" ? ["153'ün yanıtı", "153's answer"] : NOTE[to] || ["Not", "Note"];
  if (c.note && typeof c.note[1] === "string") lines.push(`${pair(noteWords)}: ${c.note[1]}`);
  for (const [key, words] of Object.entries(TEXT_CHANGES)) {
    if (c[key] && typeof c[key][1] === "string") lines.push(`${pair(words)}: ${c[key][1]}`);
  }
  return lines;
}

// --- actions --------------------------------------------------------------------------------
const BUTTONS = { acknowledge: "btn-ack", "request-info": "btn-ask", answer: "btn-answer", resolve: "btn-resolve", return: "btn-return" };
function enableActions(t) {
  const status = (S.ref && (S.ref.statuses || []).find((s) => s.code === t.status)) || { next: [] };
  const allowed = {
    acknowledge: ["forwarded", "reopened"].includes(t.status),
    "request-info": status.next.includes("info_requested"),
    answer: WAITING.includes(t.status),
    resolve: status.next.includes("resolved"),
    return: status.next.includes("returned"),
  };
  for (const [name, id] of Object.entries(BUTTONS)) $(id).disabled = !allowed[name];
}
function startAction(name) {
  if (!S.ticket || $(BUTTONS[name]).disabled) return;
  if (name === "acknowledge") { submit("acknowledge"); return; }
  const a = ACTIONS[name]; S.action = name;
  $("action-title").textContent = pair(a.title); $("action-help").textContent = pair(a.help);
  $("action-text-label").textContent = pair(a.label);
  const text = $("action-text"); text.value = ""; text.maxLength = a.max; $("action-error").textContent = "";
  $("action-photos").value = ""; $("action-photos-box").hidden = !a.photos;
  $("action-form").hidden = false; $("action-form").dataset.action = name; text.focus();
}
function hideAction() { S.action = null; $("action-form").hidden = true; }
for (const [name, id] of Object.entries(BUTTONS)) $(id).addEventListener("click", () => startAction(name));
$("action-cancel").addEventListener("click", hideAction);
$("action-form").addEventListener("submit", (ev) => { ev.preventDefault(); if (S.action) submit(S.action); });

function checkFiles(files) {
  for (const f of files) if (f.size > MAX_BYTES) return `${f.name}: 10 MB'tan büyük / larger than 10 MB`;
  return "";
}
// Photos first, each to the attachments endpoint; the step itself only once all of them landed.
async function upload(number, files) {
  for (const file of files) {
    const form = new FormData(); form.append("file", file, file.name);
    await api("POST", path(number, "/attachments"), form);
  }
}
async function submit(name) {
  if (S.busy || !S.ticket) return;
  const a = ACTIONS[name]; const number = S.ticket.number;
  const text = $("action-text").value.trim();
  // Said beside the form (on a tablet the notice line is a screen away); the server checks again.
  const refuse = (message) => { $("action-error").textContent = message; };
  if (a.field && !text) { refuse("Lütfen metni yazın / please write the text"); $("action-text").focus(); return; }
  const files = a.photos ? [...$("action-photos").files] : [];
  const tooBig = checkFiles(files); if (tooBig) { refuse(tooBig); return; }
  // The user may open another request while this one is sent: its ticket and its half-written
  // step are then left alone, and what happened here is said on the notice line, with the number.
  const still = () => S.ticket?.number === number;
  const say = (text, ok) => notice(still() ? text : `${number}: ${text}`, ok);
  S.busy = true; $("action-submit").disabled = true;
  let ticket;
  try {
    await upload(number, files);
    ticket = await api("POST", path(number, `/${name}`), a.field ? { [a.field]: text } : {});
  } catch (e) {
    if (S.action && still()) refuse(e.message); else say(e.message);
    if (files.length && still()) openTicket(number, false); // some photos may have landed: show them
    return;
  } finally { S.busy = false; $("action-submit").disabled = false; } // not held through the reload below
  say(pair(a.done), true);
  if (still()) {
    hideAction();
    if (WAITING.includes(ticket.status) || name === "resolve") showTicket(ticket); else closeTicket();
  }
  await loadList(false);
}

// --- keyboard -------------------------------------------------------------------------------
const KEYS = { g: "acknowledge", b: "request-info", y: "answer", c: "resolve", d: "return" };
document.addEventListener("keydown", (ev) => {
  if (!session.user) return;
  if (ev.key === "Escape" && S.action) { ev.preventDefault(); hideAction(); return; }
  if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && S.action) { ev.preventDefault(); submit(S.action); return; }
  if (ev.altKey && KEYS[ev.key.toLowerCase()]) { ev.preventDefault(); startAction(KEYS[ev.key.toLowerCase()]); }
});

// --- start ----------------------------------------------------------------------------------
signInFlow({ enter, leave: showLogin });
