// ALO 153 follow-up: what the call centre must chase or answer. Requests units sent back as
// "not ours" (route them again), units' questions (answer them), requests past their deadline
// (see how far up the ladder they are; send the field team), and messages that could not be
// delivered. Text from citizens and units goes in with textContent only (common.js el()).
import { $, api, both, el, pair, session, signInFlow, when } from "/static/common.js";

const S = { tab: "returned", cursor: null, ticket: null, ref: null, units: [], kinds: [], leads: false };
const ROLES = ["supervisor", "operator", "admin"];

const TABS = {
  returned: { title: ["Birimden dönenler", "Returned by units"],
    help: ["Birim \"bizim değil\" dedi: gerekçeyi okuyun ve doğru birime yönlendirin.",
      "A unit said \"not ours\": read its reason and route the request to the right unit."],
    query: "status=returned" },
  info: { title: ["Birimlerin soruları", "Questions from units"],
    help: ["Birim ek bilgi istedi; süre, yanıtınıza kadar işlemez.",
      "A unit asked for more information; its deadline waits for your answer."],
    query: "status=info_requested" },
  overdue: { title: ["Süresi geçenler", "Overdue"],
    help: ["Görme veya çözüm süresi geçmiş başvurular: hatırlatma, uyarı, saha ekibi sırasıyla.",
      "Requests past their acknowledge or resolve deadline: reminder, warning, field team in turn."],
    query: "overdue=true" },
  callbacks: { title: ["Geri arama kuyruğu", "Feedback call queue"],
    help: ["Çözülen başvuruların vatandaşları: arananlar, sırada bekleyenler, ileri saate planlananlar; denemeler ve son sonuç.",
      "Citizens of resolved requests: being called, waiting, scheduled later; attempts and the last outcome."] },
  failed: { title: ["Gönderilemeyen mesajlar", "Undelivered messages"],
    help: ["E-posta ve SMS'ler: birimin adresi eksikse yönetim sayfasından girin, sonra kutuyu boş bırakıp yeniden gönderin; birimin güncel adresine gider.",
      "E-mails and SMS: where a unit's address is missing, fill it in on the admin page, then send again with the box empty: it goes to the unit's address of now."] },
};
const LADDER = [["Yok", "None"], ["Hatırlatma", "Reminder"], ["Uyarı (birim ve amiri)", "Warning (unit and manager)"],
  ["Saha ekibi", "Field team"]];
const STATUS_NOTE = { returned: ["İade gerekçesi", "Reason for return"], info_requested: ["Birimin sorusu", "The unit's question"] };

const notice = (text, ok) => { $("notice").textContent = text || ""; $("notice").dataset.ok = ok ? "true" : "false"; };
const ticketPath = (number, tail = "") => `/api/tickets/${encodeURIComponent(number)}${tail}`;
const named = (list, code) => (list.find((x) => x.code === code) || {}).name_tr || code || "";
const categoryName = (code) => named(S.ref.categories, code);
const districtName = (code) => (S.ref.districts.find((d) => d.code === code) || {}).name || code || "";
const unitName = (code) => (code ? `${named(S.units, code)} (${code})` : "—");
const place = (t) => [districtName(t.district), t.neighbourhood, t.address].filter(Boolean).join(" · ");

// --- lists ----------------------------------------------------------------------------------
function selectTab(tab) {
  S.tab = tab; S.cursor = null; $("more").hidden = true; // "more" of the tab left behind
  for (const button of document.querySelectorAll("[data-tab]")) {
    button.setAttribute("aria-selected", String(button.dataset.tab === tab));
    button.classList.toggle("quiet", button.dataset.tab !== tab);
  }
  $("list-title").replaceChildren(both(TABS[tab].title));
  $("list-help").textContent = pair(TABS[tab].help);
  return loadList(false);
}

// Every list load is numbered and only the newest may draw: a slow answer for a tab left
// behind must not replace the list on screen, nor wipe an address being typed into it.
let loads = 0;
async function loadList(more) {
  if (more && !S.cursor) return;
  const mine = ++loads;
  const fresh = () => mine === loads;
  try {
    if (S.tab === "failed") {
      const answer = await api("GET", "/api/outbox?status=failed");
      if (fresh()) showMessages(answer);
      return;
    }
    $("day-figures").hidden = $("day-finished-box").hidden = S.tab !== "callbacks";
    if (S.tab === "callbacks") {
      const [day, queue] = await Promise.all([api("GET", "/api/callbacks/summary"),
        api("GET", "/api/callbacks?limit=200")]);
      if (fresh()) { showDay(day); showCallbacks(queue); }
      return;
    }
    const cursor = more && S.cursor ? `&cursor=${encodeURIComponent(S.cursor)}` : "";
    const page = await api("GET", `/api/tickets?limit=50&${TABS[S.tab].query}${cursor}`);
    if (!fresh()) return;
    S.cursor = page.next_cursor;
    showTickets(page.tickets, more);
  } catch (error) { if (fresh()) notice(error.message); }
}

function head(...labels) {
  $("list-head").replaceChildren(el("tr", {}, ...labels.map((l) => el("th", { attrs: { scope: "col" } }, both(l)))));
}

function showTickets(tickets, more) {
  head(["Kayıt no", "No"], ["Konu", "Category"], ["Yer", "Place"], ["Birim", "Unit"], ["Son tarih", "Due"]);
  const body = $("list").tBodies[0];
  if (!more) body.replaceChildren();
  for (const t of tickets) {
    const due = t.acknowledged_at ? t.resolve_due_at : t.ack_due_at;
    const open = el("button", { cls: "link-button", text: t.number, attrs: { type: "button" } });
    open.addEventListener("click", () => openTicket(t.number));
    const row = el("tr", { cls: t.overdue ? "late" : "", attrs: { "data-number": t.number } },
      el("td", {}, open), el("td", { text: categoryName(t.category) }), el("td", { text: place(t) }),
      el("td", { text: unitName(t.unit) }), el("td", { text: when(due) }));
    body.append(row);
  }
  if (!more && !tickets.length) body.append(el("tr", {}, el("td", { text: "Bekleyen yok / Nothing waiting", attrs: { colspan: 5 } })));
  $("more").hidden = !S.cursor;
}

const VERDICT = { confirmed: ["doğrulandı", "confirmed"], not_solved: ["çözülmedi", "not solved"],
  wrong_number: ["yanlış numara", "wrong number"], unreachable: ["ulaşılamadı", "unreachable"],
  cancelled: ["iptal", "cancelled"] };
// Today's feedback calls in one paragraph: what the team leader would otherwise count by hand.
function showDay(day) {
  const done = Object.values(day.callbacks).reduce((a, b) => a + b, 0);
  const parts = Object.entries(day.callbacks).map(([k, n]) => `${n} ${pair(VERDICT[k] || [k, k])}`);
  const rate = day.contact_rate === null ? "—" : `%${Math.round(day.contact_rate * 100)}`;
  const score = day.satisfaction.average === null ? "—"
    : `${day.satisfaction.average.toFixed(1)} (${day.satisfaction.count})`;
  const people = day.operators.map((o) => `${o.operator} ${o.calls}`).join(", ") || "—";
  $("day-figures").textContent = `Bugün / Today ${day.day}: ${done} tamamlandı / finished`
    + (parts.length ? ` (${parts.join(", ")})` : "")
    + ` · ulaşma oranı / contact rate ${rate} · memnuniyet / satisfaction ${score}`
    + ` · görüşmeler / calls: ${people}`;
  showFinished(day.finished || []);
}

// The day's finished callbacks one by one: what the team leader would otherwise keep in a
// spreadsheet (who spoke to whom, what came of it, the score).
function showFinished(finished) {
  const body = $("day-finished").tBodies[0];
  body.replaceChildren(...finished.map((f) => {
    const open = el("button", { cls: "link-button", text: f.ticket_number, attrs: { type: "button" } });
    open.addEventListener("click", () => openTicket(f.ticket_number));
    return el("tr", { attrs: { "data-number": f.ticket_number } }, el("td", {}, open),
      el("td", { text: unitName(f.unit) }), el("td", { text: pair(VERDICT[f.outcome] || [f.outcome, f.outcome]) }),
      el("td", { text: f.operator || "—" }), el("td", { text: String(f.satisfaction ?? "—") }),
      el("td", { text: String(f.attempts) }), el("td", { text: when(f.done_at) }));
  }));
  if (!finished.length) body.append(el("tr", {}, el("td", { text: "Bugün biten yok / None finished today", attrs: { colspan: 7 } })));
}

const SECTION = { calling: ["Aranıyor", "Calling"], waiting: ["Sırada", "Waiting"],
  scheduled: ["Planlandı", "Scheduled"] };
function showCallbacks(queue) {
  head(["Kayıt no", "No"], ["Durum", "Stage"], ["Birim", "Unit"], ["Deneme", "Attempts"], ["Zaman", "When"],
    ["İşlem", "Action"]);
  const body = $("list").tBodies[0];
  body.replaceChildren();
  for (const section of ["calling", "waiting", "scheduled"]) {
    for (const c of queue[section] || []) {
      const open = el("button", { cls: "link-button", text: c.ticket_number, attrs: { type: "button" } });
      open.addEventListener("click", () => openTicket(c.ticket_number));
      const tries = `${c.attempts}/${c.max_attempts}` + (c.last_outcome ? ` · ${c.last_outcome}` : "");
      body.append(el("tr", { attrs: { "data-number": c.ticket_number, "data-callback": c.callback_id } },
        el("td", {}, open), el("td", {}, both(SECTION[section])), el("td", { text: unitName(c.unit) }),
        el("td", { text: tries + (c.assigned_to ? ` · ${c.assigned_to}` : "") }),
        el("td", { text: (c.appointment_at ? "randevu / appointment " : "") + when(c.due_at) }),
        el("td", {}, ...(section === "calling" || !S.leads ? [] : callbackActions(c)))));
    }
  }
  if (!body.rows.length) body.append(el("tr", {}, el("td", { text: "Bekleyen geri arama yok / No feedback calls waiting", attrs: { colspan: 6 } })));
  $("more").hidden = true;
  notice(`Arama kipi / Dialer mode: ${queue.mode}`, true);
}

// The team leader's hand on a waiting callback: one an operator took in preview and left goes
// back to the queue; one the citizen does not want (or no longer needs) is taken off the list,
// with the reason, which the ticket's trail keeps. A call in progress is its operator's.
function callbackActions(c) {
  const path = (step) => `/api/callbacks/${encodeURIComponent(c.callback_id)}/${step}`;
  const reason = el("input", { attrs: { type: "text", maxlength: "2000", autocomplete: "off",
    "aria-label": pair(["İptal gerekçesi", "Reason to cancel"]), placeholder: "Gerekçe / reason" } });
  const cancel = el("button", { attrs: { type: "button" } }, both(["Aranmasın", "Do not call"]));
  cancel.addEventListener("click", async () => {
    if (!reason.value.trim()) { notice(pair(["İptal gerekçesi gerekli", "A reason is required"])); reason.focus(); return; }
    await callbackStep(cancel, path("cancel"), { reason: reason.value.trim() }, ["Geri arama iptal edildi", "Feedback call cancelled"]);
  });
  const parts = [reason, cancel];
  if (c.assigned_to) {
    const release = el("button", { cls: "quiet", attrs: { type: "button" } }, both(["Sıraya geri koy", "Put back in the queue"]));
    release.addEventListener("click", () => callbackStep(release, path("release"), undefined,
      ["Sıraya geri kondu", "Back in the queue"]));
    parts.unshift(release);
  }
  return [el("span", { cls: "row-actions" }, ...parts)];
}

async function callbackStep(button, url, body, done) {
  button.disabled = true;
  try {
    await api("POST", url, body);
    await loadList(false);
    notice(pair(done), true);
  } catch (error) { notice(error.message); button.disabled = false; }
}

function showMessages(answer) {
  head(["Kayıt no", "No"], ["Kanal", "Channel"], ["Amaç", "Purpose"], ["Alıcı", "Recipient"], ["Neden", "Why"],
    ["Yeniden gönder", "Send again"]);
  const to = (m) => (m.unit ? `${unitName(m.unit)}${m.to_manager ? " · amiri / manager" : ""}: ` : "")
    + (m.recipient || "—");
  const body = $("list").tBodies[0];
  body.replaceChildren();
  for (const m of answer.messages || []) {
    body.append(el("tr", { attrs: { "data-message": m.id } }, el("td", { text: m.ticket || "—" }), el("td", { text: m.channel }),
      el("td", { text: m.purpose }), el("td", { text: to(m) }),
      el("td", { text: m.last_error || "" }), el("td", {}, sendAgain(m))));
  }
  if (!(answer.messages || []).length) body.append(el("tr", {}, el("td", { text: "Hepsi iletildi / All delivered", attrs: { colspan: 6 } })));
  $("more").hidden = true;
}

// A failed message sent again: to the address typed in, or, with the box left empty, to its
// unit's address as the admin page has it now (else to its own).
function sendAgain(m) {
  const sms = m.channel === "sms";
  const address = el("input", { attrs: {
    type: sms ? "tel" : "email", autocomplete: "off",
    placeholder: sms ? "05XX XXX XX XX" : "birim@adana.bel.tr",
    "aria-label": pair(m.unit ? ["Yeni adres (boşsa birimin güncel adresi)", "New address (empty: the unit's of now)"]
      : ["Yeni adres (boşsa eskisi)", "New address (empty: the old one)"]) } });
  const button = el("button", { attrs: { type: "button" } }, both(["Yeniden gönder", "Send again"]));
  button.addEventListener("click", async () => {
    const recipient = address.value.trim();
    button.disabled = true;
    try {
      await api("POST", `/api/outbox/${encodeURIComponent(m.id)}/retry`, recipient ? { recipient } : undefined);
      notice(pair(["Yeniden gönderime alındı", "Queued to be sent again"]), true);
      await loadList(false);
    } catch (error) { notice(error.message); button.disabled = false; }
  });
  return el("span", {}, address, button);
}

// --- one ticket -----------------------------------------------------------------------------
// Only the ticket opened last is drawn: re-routing and closing act on S.ticket.
let opening = 0;
async function openTicket(number) {
  const mine = ++opening;
  try {
    const [ticket, sent] = await Promise.all([api("GET", ticketPath(number)),
      api("GET", ticketPath(number, "/deliveries"))]);
    if (mine !== opening) return;
    showTicket(ticket);
    showDeliveries(sent.messages);
  } catch (error) { if (mine === opening) notice(error.message); }
}

const DELIVERY = { pending: ["bekliyor", "pending"], sent: ["iletildi", "sent"], failed: ["iletilemedi", "failed"] };
function showDeliveries(messages) {
  $("t-deliveries").replaceChildren(...messages.map((m) => el("li", {},
    el("span", { cls: "when", text: when(m.created_at) + " " }),
    el("strong", { text: `${m.channel} · ${m.purpose} → ${m.recipient || "—"} ` }),
    both(DELIVERY[m.status] || [m.status, m.status]),
    el("span", { cls: "muted", text: ` (${m.attempts}) ${m.last_error || ""}` }))));
  if (!messages.length) $("t-deliveries").append(el("li", { cls: "muted", text: "Yok / None" }));
}

function showTicket(t) {
  S.ticket = t;
  $("empty").hidden = true; $("ticket").hidden = false;
  $("t-number").textContent = t.number;
  $("t-status").replaceChildren(both(statusWords(t.status)));
  $("t-category").textContent = categoryName(t.category);
  $("t-place").textContent = place(t) || "—";
  $("t-unit").textContent = unitName(t.unit);
  $("t-received").textContent = when(t.created_at);
  $("t-due").textContent = [t.ack_due_at && `görme / acknowledge: ${when(t.ack_due_at)}`,
    t.resolve_due_at && `çözüm / resolve: ${when(t.resolve_due_at)}`].filter(Boolean).join(" · ") || "—";
  $("t-ladder").replaceChildren(both(LADDER[t.escalation_level] || LADDER[0]));
  $("t-description").textContent = t.description;
  showLastWord(t);
  $("reroute").hidden = t.status !== "returned";
  $("close").hidden = t.status !== "returned";
  $("answer").hidden = t.status !== "info_requested";
  $("field").hidden = !(t.overdue && session.user.roles.includes("supervisor"));
  if (t.status === "returned") prepareReroute(t);
  renderTrail(t);
}

function statusWords(code) {
  const found = S.ref.statuses.find((s) => s.code === code);
  return found ? [found.name_tr, found.name_en] : [code, code];
}

// The unit's reason for a return, or its question: the note on the step that led here.
function showLastWord(t) {
  const label = STATUS_NOTE[t.status];
  const step = [...t.events].reverse().find((e) => e.action === "status" && e.changes.status && e.changes.status[1] === t.status);
  const note = step && step.changes.note ? step.changes.note[1] : "";
  $("t-last").hidden = !label;
  if (label) $("t-last").replaceChildren(el("strong", {}, both(label)), el("span", { text: ": " + (note || "—") }),
    el("span", { cls: "muted", text: step ? ` (${step.actor}, ${when(step.at)})` : "" }));
}

function renderTrail(t) {
  $("t-trail").replaceChildren(...t.events.map((e) => {
    const changes = Object.entries(e.changes).map(([k, v]) => `${k}: ${v[0] ?? "—"} → ${v[1] ?? "—"}`).join("; ");
    return el("li", {}, el("span", { cls: "when", text: when(e.at) + " " }), el("strong", { text: e.action }),
      el("span", { cls: "who", text: ` · ${e.actor}` }), el("div", { cls: "change", text: changes }));
  }));
}

// --- routing a returned request again -------------------------------------------------------
function prepareReroute(t) {
  const returnedFrom = [...t.events].reverse().find((e) => e.changes.unit && e.changes.unit[1] === null);
  const previous = returnedFrom ? returnedFrom.changes.unit[0] : null;
  $("r-unit").replaceChildren(...S.units.filter((u) => u.active).map((u) =>
    el("option", { text: `${"  ".repeat(u.depth || 0)}${u.name_tr} (${u.code})${u.code === previous ? " — iade eden / returned it" : ""}`, attrs: { value: u.code } })));
  $("r-note").value = "";
  return suggest();
}

// The newest question wins: an older answer arriving late (the one asked when the ticket
// opened, before the kind of place was chosen) is dropped.
let suggestAsked = 0;
async function suggest() {
  const n = ++suggestAsked;
  const t = S.ticket;
  const params = new URLSearchParams({ category: t.category });
  if (t.district) params.set("district", t.district);
  if ($("r-kind").value) params.set("location_kind", $("r-kind").value);
  try {
    const found = await api("GET", `/api/routing/suggest?${params}`);
    if (n !== suggestAsked) return;
    S.suggested = found.unit;
    $("r-suggestion").textContent = found.unit
      ? `Öneri / Suggested: ${found.label} — ${found.reason_tr}` : found.reason_tr || "";
    if (found.unit) $("r-unit").value = found.unit;
  } catch (error) {
    if (n !== suggestAsked) return;
    S.suggested = null; $("r-suggestion").textContent = error.message;
  }
}

async function reroute(event) {
  event.preventDefault();
  const body = { unit: $("r-unit").value, note: $("r-note").value.trim() || null };
  if (S.suggested) body.suggested = S.suggested;
  await act(ticketPath(S.ticket.number, "/forward"), body, ["Yeniden yönlendirildi", "Routed again"]);
}

async function answer(event) {
  event.preventDefault();
  await act(ticketPath(S.ticket.number, "/answer-info"), { answer: $("a-text").value.trim() },
    ["Yanıt birime iletildi", "Answer sent to the unit"]);
  $("a-text").value = "";
}

async function closeReturned(event) {
  event.preventDefault();
  await act(ticketPath(S.ticket.number, "/close"), { resolution: $("c-text").value.trim() },
    ["Kapatıldı", "Closed"]);
  $("c-text").value = "";
}

async function sendField() {
  await act(ticketPath(S.ticket.number, "/field-tasks"), {}, ["Saha görevi açıldı", "Field task opened"]);
}

async function act(url, body, done) {
  try {
    const answerBody = await api("POST", url, body);
    notice(pair(done), true);
    await openTicket((answerBody && answerBody.number) || S.ticket.number);
    await loadList(false);
  } catch (error) { notice(error.message); }
}

// --- start ----------------------------------------------------------------------------------
async function enter(user) {
  if (!ROLES.some((r) => (user.roles || []).includes(r))) {
    notice("Bu sayfa çağrı merkezi içindir / This page is for the call centre");
  }
  $("login").hidden = true; $("page").hidden = false;
  $("me").textContent = user.full_name || user.username;
  S.leads = (user.roles || []).includes("supervisor"); // the feedback team leader
  [S.ref, { units: S.units, location_kinds: S.kinds }] = await Promise.all([
    api("GET", "/api/reference"), api("GET", "/api/units")]);
  $("r-kind").replaceChildren(el("option", { text: "— / —", attrs: { value: "" } }),
    ...S.kinds.map((k) => el("option", { text: pair([k.name_tr, k.name_en]), attrs: { value: k.code } })));
  tabsUsable(true);
  await selectTab(S.tab);
}

// The lists are drawn with the reference data (unit and category names): until it is here the
// tabs stay disabled, so a tab chosen early is not redrawn by the first load.
function tabsUsable(usable) {
  for (const button of document.querySelectorAll("[data-tab]")) button.disabled = !usable;
}

function leave() {
  tabsUsable(false);
  $("page").hidden = true; $("login").hidden = false; $("login-username").focus();
}

for (const button of document.querySelectorAll("[data-tab]")) button.addEventListener("click", () => selectTab(button.dataset.tab));
$("more").addEventListener("click", () => loadList(true));
$("reroute").addEventListener("submit", reroute);
$("r-kind").addEventListener("change", suggest);
$("answer").addEventListener("submit", answer);
$("close").addEventListener("submit", closeReturned);
$("send-field").addEventListener("click", sendField);
signInFlow({ enter, leave });
