// ALO 153 administration: the units tickets are forwarded to, and the administrative leave days.
// Everything shown is put in with textContent, never as HTML (common.js el()).
import { $, api, el, signInFlow, when } from "/static/common.js";

const S = { me: null, units: [], editing: null };
const KINDS = { organisation: ["Kurum", "Organisation"], department: ["Daire Başkanlığı", "Department"],
  branch: ["Şube Müdürlüğü", "Branch"], directorate: ["Müdürlük", "Directorate"] };

function option(value, text) { return el("option", { text, attrs: { value } }); }
function notice(text) { $("notice").textContent = text || ""; }

// --- sign in --------------------------------------------------------------------------------
function showLogin() {
  $("admin").hidden = true; $("login").hidden = false; $("login-username").focus();
}
async function enter(user) {
  if (!(user.roles || []).includes("admin")) {
    try { await api("DELETE", "/api/session"); } catch { /* signed out anyway */ }
    showLogin();
    $("login-error").textContent = "Bu sayfa yalnızca yöneticiler içindir / this page is for admins only";
    return;
  }
  S.me = user;
  $("login").hidden = true; $("admin").hidden = false;
  $("me").textContent = S.me.full_name || S.me.username;
  await Promise.all([loadUnits(), loadLeaveDays()]);
}

// --- units ----------------------------------------------------------------------------------
// Every load is numbered and only the newest may draw: the first load, answering late, must not
// bring back the units as they were before a save or an import.
let loads = 0;
async function loadUnits() {
  const mine = ++loads;
  try {
    const { units } = await api("GET", "/api/units");
    if (mine === loads) { S.units = units; renderUnits(); }
  } catch (e) { if (mine === loads) notice(e.message); }
}
function kindLabel(kind) { const k = KINDS[kind]; return k ? `${k[0]} / ${k[1]}` : kind; }
function matches(u, q) {
  if (!q) return true;
  const hay = `${u.code} ${u.name_tr} ${u.name_en} ${u.email} ${u.manager_email}`.toLocaleLowerCase("tr-TR");
  return q.split(/\s+/).every((word) => hay.includes(word));
}
function renderUnits() {
  const q = $("unit-search").value.trim().toLocaleLowerCase("tr-TR");
  const inactive = $("unit-inactive").checked;
  const body = $("units").tBodies[0]; body.replaceChildren();
  let shown = 0;
  for (const u of S.units) {
    if ((!u.active && !inactive) || !matches(u, q)) continue;
    shown++;
    const name = el("td", { cls: `depth-${Math.min(u.depth, 3)}` }, el("span", { text: u.name_tr }),
      el("span", { cls: "en", text: ` / ${u.name_en}` }));
    const row = el("tr", { cls: "clickable" + (u.active ? "" : " inactive"), attrs: { "data-code": u.code } },
      el("td", { cls: "code", text: u.code }), name, el("td", { text: kindLabel(u.kind) }),
      el("td", { text: u.email || "—" }), el("td", { text: u.manager_email || "—" }),
      el("td", { text: u.active ? "Aktif / active" : "Pasif / inactive" }));
    row.addEventListener("click", () => edit(u));
    body.append(row);
  }
  $("units-count").textContent = `${shown} / ${S.units.length} birim / units`;
}
$("unit-search").addEventListener("input", renderUnits);
$("unit-inactive").addEventListener("change", renderUnits);

function fillParents(selected, own) {
  const box = $("u-parent"); box.replaceChildren(option("", "— yok (kurum) / none (organisation) —"));
  for (const u of S.units) {
    if (u.code === own || !u.active) continue;
    box.append(option(u.code, "\u00a0\u00a0".repeat(u.depth) + `${u.name_tr} (${u.code})`));
  }
  box.value = selected || "";
}
// Each opening of the panel is counted, so a save's late answer knows the panel is another's now.
let edits = 0;
function edit(unit) {
  edits++; S.editing = unit ? unit.code : null;
  const u = unit || { code: "", parent: "", kind: "directorate", name_tr: "", name_en: "", email: "",
    manager_email: "", active: true };
  $("edit-title").textContent = unit ? `${u.name_tr} (${u.code})` : "Yeni birim / New unit";
  $("u-code").value = u.code; $("u-code").readOnly = !!unit;
  fillParents(u.parent, u.code);
  const kind = $("u-kind"); kind.replaceChildren();
  for (const k of Object.keys(KINDS)) kind.append(option(k, kindLabel(k)));
  kind.value = u.kind;
  $("u-name-tr").value = u.name_tr; $("u-name-en").value = u.name_en;
  $("u-email").value = u.email; $("u-manager").value = u.manager_email; $("u-active").checked = u.active;
  $("unit-error").textContent = ""; $("edit-panel").hidden = false; $("u-name-tr").focus();
}
$("btn-new-unit").addEventListener("click", () => { edit(null); $("u-code").focus(); });
$("u-cancel").addEventListener("click", () => { $("edit-panel").hidden = true; S.editing = null; });
$("unit-form").addEventListener("submit", async (ev) => {
  ev.preventDefault(); $("unit-error").textContent = "";
  const fields = { parent: $("u-parent").value || null, kind: $("u-kind").value,
    name_tr: $("u-name-tr").value.trim(), name_en: $("u-name-en").value.trim(),
    email: $("u-email").value.trim(), manager_email: $("u-manager").value.trim(),
    active: $("u-active").checked };
  // Another unit may be opened before the answer comes: its panel then stays, and so does what
  // is being typed into it; only this unit's panel closes, or shows why it was refused.
  const editing = S.editing; const code = editing || $("u-code").value.trim();
  const opened = edits; const still = () => opened === edits;
  try {
    const saved = editing
      ? await api("PATCH", `/api/units/${encodeURIComponent(editing)}`, fields)
      : await api("POST", "/api/units", { code, ...fields });
    if (still()) { $("edit-panel").hidden = true; S.editing = null; }
    notice(`Kaydedildi / saved: ${saved.unit.name_tr} (${saved.unit.code})`);
    await loadUnits();
  } catch (e) { if (still()) $("unit-error").textContent = e.message; else notice(`${code}: ${e.message}`); }
});

// --- CSV ------------------------------------------------------------------------------------
$("import-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const file = $("import-file").files[0]; if (!file) return;
  const dry = $("import-dry").checked;
  const out = $("import-result"); out.className = ""; out.textContent = "Yükleniyor… / uploading…";
  try {
    const c = await api("POST", `/api/units/import${dry ? "?dry_run=true" : ""}`, file, { type: "text/csv" });
    out.className = "ok";
    out.textContent = (dry ? "Denetlendi, hiçbir şey yazılmadı / checked, nothing written: " : "Yüklendi / imported: ")
      + `${c.added} yeni / added, ${c.changed} değişen / changed (${c.deactivated} pasif / deactivated), `
      + `${c.unchanged} aynı / unchanged`;
    if (!dry) await loadUnits();
  } catch (e) {
    out.className = "error";
    out.textContent = (e.line ? `Satır ${e.line} / line ${e.line}: ` : "") + e.message;
  }
});

// --- leave days -----------------------------------------------------------------------------
async function loadLeaveDays() {
  try { renderLeaveDays((await api("GET", "/api/leave-days")).leave_days); } catch (e) { notice(e.message); }
}
function renderLeaveDays(days) {
  const body = $("leave-days").tBodies[0]; body.replaceChildren();
  for (const d of days) {
    const remove = el("button", { cls: "quiet", text: "Kaldır / remove", attrs: { type: "button", "data-day": d.day } });
    remove.addEventListener("click", () => removeLeaveDay(d.day));
    const shown = new Date(`${d.day}T12:00:00`).toLocaleDateString("tr-TR", { weekday: "long", day: "numeric", month: "long", year: "numeric" });
    body.append(el("tr", { attrs: { "data-day": d.day } }, el("td", { text: shown }), el("td", { text: d.reason }),
      el("td", { cls: "muted", text: `${d.added_by}, ${when(d.added_at)}` }), el("td", {}, remove)));
  }
  if (!days.length) body.append(el("tr", {}, el("td", { text: "İdari izin günü yok / no leave days" })));
}
$("leave-form").addEventListener("submit", async (ev) => {
  ev.preventDefault(); $("leave-error").textContent = "";
  try {
    await api("POST", "/api/leave-days", { day: $("leave-day").value, reason: $("leave-reason").value.trim() });
    $("leave-form").reset(); await loadLeaveDays();
  } catch (e) { $("leave-error").textContent = e.message; }
});
async function removeLeaveDay(day) {
  $("leave-error").textContent = "";
  try { await api("DELETE", `/api/leave-days/${encodeURIComponent(day)}`); await loadLeaveDays(); }
  catch (e) { $("leave-error").textContent = e.message; }
}

// --- start ----------------------------------------------------------------------------------
signInFlow({ enter, leave: showLogin });
