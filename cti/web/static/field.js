// ALO 153 field team: on a phone, the list of revisits, one task's place, request and earlier
// photos, new photos from the camera, notes, and the tutanak (report form) sent to the unit.
// Everything that came from a citizen, an operator or a unit is put in with textContent, never
// as HTML (common.js el()); the page's CSP forbids inline script and style.
import { $, api, both, el, pair, session, signInFlow, when } from "/static/common.js";

const S = { task: null, busy: false, notesShown: "" };
const MAX_BYTES = 10 * 1024 * 1024;
const STATE = { open: ["Açık", "Open"], done: ["Tamamlandı", "Done"], cancelled: ["İptal", "Cancelled"] };
const MISSED = { ack: ["Görme süresi geçti", "Acknowledge deadline missed"],
  resolve: ["Çözüm süresi geçti", "Resolve deadline missed"] };
const REASON = { escalation: ["süre aşımı", "deadline missed"], manual: ["153'ün isteği", "asked by 153"] };

function notice(text, ok = false) {
  $("notice").textContent = text || "";
  $("notice").dataset.ok = ok ? "true" : "false";
}
const canWork = () => (session.user?.roles || []).includes("field_staff");
const taskUrl = (id, tail = "") => `/api/field/tasks/${encodeURIComponent(id)}${tail}`;

// --- sign-in and the two views -----------------------------------------------------------
async function enter(user) {
  $("login").hidden = true; $("app").hidden = false;
  $("me").textContent = user.full_name || user.username;
  await route();
}
function leave() {
  $("app").hidden = true; $("login").hidden = false; $("login-username").focus();
}
async function route() {
  const match = /^#task-(\d+)$/.exec(location.hash);
  $("list-view").hidden = !!match; $("task-view").hidden = !match;
  notice("");
  if (match) await openTask(Number(match[1])); else await loadList();
}
window.addEventListener("hashchange", () => { if (session.user) route(); });

// --- the list ------------------------------------------------------------------------------
// Every list load is numbered and only the newest may draw: the first load, answering late, must
// not replace the list of the status chosen (or refreshed) meanwhile.
let loads = 0;
async function loadList() {
  const mine = ++loads;
  const status = $("list-status").value;
  try {
    const { tasks } = await api("GET", `/api/field/tasks?status=${encodeURIComponent(status)}`);
    if (mine !== loads) return;
    $("tasks").replaceChildren(...tasks.map(taskItem));
    $("no-tasks").hidden = tasks.length > 0;
  } catch (error) { if (mine === loads) notice(error.message); }
}
function taskItem(task) {
  const t = task.ticket;
  const place = [t.district?.name_tr, t.neighbourhood, t.address].filter(Boolean).join(", ");
  const button = el("button", { cls: "task", attrs: { type: "button", "data-testid": "task" } },
    el("strong", { cls: "number", text: t.number }),
    el("span", { cls: "category", text: t.category.name_tr }),
    el("span", { cls: "place", text: place || "—" }),
    missedLine(t),
    el("span", { cls: "meta", text: [
      task.assigned_to ? `Üstlenen / taken by: ${task.assigned_to}` : pair(["Kimse üstlenmedi", "Not taken"]),
      `${task.photo_count} foto`, pair(REASON[task.reason] || [task.reason, task.reason]),
    ].join(" · ") }));
  button.addEventListener("click", () => { location.hash = `task-${task.id}`; });
  return el("li", {}, button);
}
function missedLine(t) {
  if (!t.missed_deadline) return null;
  const [tr, en] = MISSED[t.missed_deadline.kind];
  return el("span", { cls: "late", text: `${tr}: ${when(t.missed_deadline.due_at)} / ${en}` });
}
$("list-status").addEventListener("change", loadList);
$("btn-refresh").addEventListener("click", loadList);
$("btn-back").addEventListener("click", () => { location.hash = ""; });

// --- one task ------------------------------------------------------------------------------
// Only the task asked for last, and still on the address bar, may draw: a slow answer for a task
// left behind would show it under another's address, and the next photo or notes would go to it.
// Until the answer is here nothing of the task before is shown, nor can be worked on.
let opens = 0;
async function openTask(id) {
  const mine = ++opens;
  const fresh = () => mine === opens && location.hash === `#task-${id}`;
  S.task = null; $("task-body").hidden = true;
  try {
    const task = await api("GET", taskUrl(id));
    if (fresh()) show(task);
  } catch (error) { if (fresh()) notice(error.message); }
}
// A step's answer redraws its task only if that task is still the one on screen.
function showIfStill(task) { if (S.task?.id === task.id) show(task); }
function show(task) {
  const again = S.task?.id === task.id; // redrawn after a step, not another task opened
  S.task = task; $("task-body").hidden = false;
  const t = task.ticket;
  $("task-number").textContent = t.number;
  $("task-category").textContent = pair([t.category.name_tr, t.category.name_en]);
  $("task-state").replaceChildren(both(STATE[task.status] || [task.status, task.status]),
    el("span", { cls: "meta", text: task.assigned_to ? ` · ${task.assigned_to}` : "" }));
  facts("task-dates", [
    [["Başvuru", "Received"], when(t.created_at)],
    [["Birime iletildi", "Forwarded"], when(t.forwarded_at)],
    // Not late (or no longer the unit's): the deadline still ahead, if there is one.
    [t.missed_deadline ? MISSED[t.missed_deadline.kind] : ["Son tarih", "Deadline"],
      when(t.missed_deadline ? t.missed_deadline.due_at
        : (t.acknowledged_at === null && t.ack_due_at) || t.resolve_due_at)],
    [["Sorumlu birim", "Unit"], t.unit ? t.unit.name_tr : "—"],
  ]);
  showPlace(t);
  $("task-description").textContent = t.description;
  gallery("earlier-photos", task.earlier_photos);
  $("no-earlier").hidden = task.earlier_photos.length > 0;
  showVisit(task, again);
}
function facts(id, rows) {
  $(id).replaceChildren(...rows.flatMap(([label, value]) =>
    [el("dt", {}, both(label)), el("dd", { text: value || "—" })]));
}
function showPlace(t) {
  const located = typeof t.latitude === "number" && typeof t.longitude === "number";
  const coordinates = located ? `${t.latitude.toFixed(6)}, ${t.longitude.toFixed(6)}` : "";
  facts("task-place", [
    [["İlçe", "District"], t.district?.name_tr], [["Mahalle", "Neighbourhood"], t.neighbourhood],
    [["Adres", "Address"], t.address], [["Koordinat", "Coordinates"], coordinates],
  ]);
  $("map-link").hidden = !located;
  if (located) {
    // geo: opens the phone's map app at the place (RFC 5870); q= puts a pin with a label.
    const at = `${t.latitude},${t.longitude}`;
    $("map-link").setAttribute("href", `geo:${at}?q=${at}(${encodeURIComponent(t.number)})`);
  } else {
    $("map-link").removeAttribute("href");
  }
}
function gallery(id, photos) {
  $(id).replaceChildren(...photos.map((photo) => el("a",
    { attrs: { href: photo.url, "data-testid": "photo" } },
    el("img", { attrs: { src: photo.url, alt: photo.filename, loading: "lazy" } }),
    el("span", { cls: "caption", text: `${photo.filename} · ${when(photo.uploaded_at)}` }))));
}
function showVisit(task, again) {
  const open = task.status === "open";
  const working = open && canWork();
  $("visit").hidden = !open;
  for (const id of ["photo-button", "btn-save-notes", "btn-complete"]) $(id).hidden = !working;
  $("notes").readOnly = !working;
  $("btn-take").hidden = !working || task.assigned_to === session.user?.username;
  gallery("visit-photos", task.photos);
  // Notes typed while a step was on its way (a photo uploading) stay: the box takes the server's
  // only if it still holds what the server said last.
  if (!again || $("notes").value === S.notesShown) $("notes").value = task.notes;
  S.notesShown = task.notes;
  showResult(task);
}
function showResult(task) {
  $("result").hidden = !task.report;
  if (!task.report) return;
  $("result-text").textContent = pair([
    `${when(task.inspected_at)} tarihinde ${task.inspected_by} tarafından yazıldı; birime gönderildi.`,
    `Written by ${task.inspected_by} on ${when(task.inspected_at)}; sent to the unit.`]);
  $("result-notes").textContent = task.notes;
  $("report-link").setAttribute("href", task.report.url);
  $("report-link").setAttribute("download", task.report.filename);
  gallery("result-photos", task.photos);
}

// --- the visit's work ------------------------------------------------------------------------
async function busy(message, work) {
  if (S.busy) return;
  S.busy = true; document.body.dataset.busy = "true"; notice(message);
  try { await work(); } catch (error) { notice(error.message); } finally {
    S.busy = false; document.body.dataset.busy = "false";
  }
}
$("photo-input").addEventListener("change", () => busy(
  pair(["Fotoğraf yükleniyor…", "Uploading photo…"]), async () => {
    const id = S.task.id; // the task the photos were taken for, even if the user moves on
    const files = [...$("photo-input").files];
    $("photo-input").value = "";
    for (const file of files) {
      if (file.size > MAX_BYTES) {
        throw new Error(pair([`${file.name}: 10 MB'tan büyük`, `${file.name}: larger than 10 MB`]));
      }
      const form = new FormData();
      form.append("file", file, file.name);
      await api("POST", taskUrl(id, "/photos"), form);
    }
    showIfStill(await api("GET", taskUrl(id)));
    notice(pair(["Fotoğraf eklendi", "Photo added"]), true);
  }));
$("btn-save-notes").addEventListener("click", () => busy(
  pair(["Kaydediliyor…", "Saving…"]), async () => {
    showIfStill(await api("PATCH", taskUrl(S.task.id), { notes: $("notes").value }));
    notice(pair(["Not kaydedildi", "Notes saved"]), true);
  }));
$("btn-take").addEventListener("click", () => busy(
  pair(["Kaydediliyor…", "Saving…"]), async () => {
    showIfStill(await api("PATCH", taskUrl(S.task.id), { take: true }));
    notice(pair(["Görev sizde", "The task is yours"]), true);
  }));
$("btn-complete").addEventListener("click", () => busy(
  pair(["Tutanak hazırlanıyor…", "Preparing the report…"]), async () => {
    const id = S.task.id;
    if ($("notes").value !== S.task.notes) {  // the tutanak says what the field shows
      await api("PATCH", taskUrl(id), { notes: $("notes").value });
    }
    showIfStill(await api("POST", taskUrl(id, "/complete"), {}));
    notice(pair(["Tutanak oluşturuldu ve birime gönderildi", "Report created and sent to the unit"]), true);
    $("result").scrollIntoView({ block: "start" });
  }));

signInFlow({ enter, leave });
