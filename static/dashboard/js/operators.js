// Admin: operator accounts (create, edit, deactivate, reset password, role), canned replies and the audit log.
import { api } from "./api.js";
import { $, LANGUAGE, empty, failure, fmtDateTime, h, operatorName, replace, shortId } from "./dom.js";
import { fill, showError, values } from "./forms.js";
import { me } from "./shell.js";
import { toast, withBusy } from "./ui.js";

const opForm = $("[data-op-form]");
const cannedForm = $("[data-canned-form]");
const state = { editing: null, cannedEditing: null, auditPage: 1 };

function table(headers, rows) {
  return h("table", { class: "table" }, h("thead", {}, h("tr", {}, headers.map((t) => h("th", { scope: "col", text: t })))), h("tbody", {}, rows));
}

function operatorRow(op) {
  const edit = h("button", { type: "button", class: "btn btn-secondary btn-sm", text: "Modifica" });
  edit.addEventListener("click", () => editOperator(op));
  const toggle = h("button", { type: "button", class: `btn btn-sm ${op.isActive ? "btn-danger" : "btn-secondary"}`, text: op.isActive ? "Disattiva" : "Riattiva", disabled: op.id === me.id });
  toggle.addEventListener("click", () => saveOperator(op.id, { isActive: !op.isActive }, toggle));
  return h("tr", { "data-operator-id": op.id },
    h("td", {}, h("strong", { text: op.displayName }), h("div", { class: "stat-note", text: `${op.name} · @${op.username}` })),
    h("td", { text: op.role === "ADMIN" ? "Amministratore" : "Operatore" }),
    h("td", { text: !op.isActive ? "Disattivato" : op.isOnline ? "Online" : "Offline" }),
    h("td", { class: "num", text: op.openChats ?? 0 }),
    h("td", { text: fmtDateTime(op.lastSeenAt) }),
    h("td", {}, h("div", { class: "actions" }, edit, toggle)));
}

async function loadOperators() {
  const box = $("[data-operators]");
  try {
    const { operators = [] } = await api("/api/operators");
    $("[data-op-count]").textContent = String(operators.length);
    replace(box, operators.length ? table(["Operatore", "Ruolo", "Stato", "Chat aperte", "Ultimo accesso", ""], operators.map(operatorRow))
      : empty("Nessun operatore.", ""));
  } catch (err) {
    replace(box, failure(err));
  }
}

function resetOperatorForm() {
  state.editing = null;
  opForm.reset();
  opForm.elements.username.disabled = false;
  opForm.elements.password.required = true;
  $("[data-active-field]").hidden = true;
  $("[data-op-form-title]").textContent = "Nuovo operatore";
  $("[data-op-save]").textContent = "Crea account";
  $("[data-password-label]").textContent = "Password (almeno 8 caratteri)";
  $("[data-op-new]").hidden = true;
  showError($("[data-op-error]"), null);
}

function editOperator(op) {
  resetOperatorForm();
  state.editing = op;
  fill(opForm, { ...op, email: op.email || "", password: "" });
  opForm.elements.username.disabled = true;
  opForm.elements.password.required = false;
  $("[data-active-field]").hidden = false;
  $("[data-op-form-title]").textContent = `Modifica ${op.displayName}`;
  $("[data-op-save]").textContent = "Salva modifiche";
  $("[data-password-label]").textContent = "Nuova password (lascia vuoto per non cambiarla)";
  $("[data-op-new]").hidden = false;
  opForm.elements.name.focus();
}

async function saveOperator(id, changes, control) {
  const saved = await withBusy(control, () => api(`/api/operators/${id}`, { method: "PATCH", body: changes }));
  if (saved) { toast("Operatore aggiornato.", "ok"); await loadOperators(); }
  return saved;
}

async function submitOperator(event) {
  event.preventDefault();
  const data = values(opForm);
  const error = $("[data-op-error]");
  showError(error, null);
  const body = { name: data.name, displayName: data.displayName || data.name, role: data.role };
  if (data.email) body.email = data.email;
  if (data.password) body.password = data.password;
  try {
    if (state.editing) {
      body.isActive = data.isActive;
      await api(`/api/operators/${state.editing.id}`, { method: "PATCH", body });
      toast("Operatore aggiornato.", "ok");
    } else {
      await api("/api/operators", { method: "POST", body: { ...body, username: data.username } });
      toast(`Account ${data.username} creato.`, "ok");
    }
    resetOperatorForm();
    await loadOperators();
  } catch (err) {
    showError(error, err);
  }
}

function cannedRow(reply) {
  const edit = h("button", { type: "button", class: "btn btn-secondary btn-sm", text: "Modifica" });
  edit.addEventListener("click", () => editCanned(reply));
  const remove = h("button", { type: "button", class: "btn btn-danger btn-sm", text: "Elimina" });
  remove.addEventListener("click", async () => {
    if (remove.dataset.confirm !== "1") { remove.dataset.confirm = "1"; remove.textContent = "Conferma"; return; }
    const done = await withBusy(remove, () => api(`/api/canned-replies/${reply.id}`, { method: "DELETE" }));
    if (done !== undefined) { toast("Risposta eliminata.", "ok"); loadCanned(); }
  });
  return h("tr", { "data-canned-id": reply.id },
    h("td", {}, h("span", { class: "mono", text: `/${String(reply.shortcut).replace(/^\//, "")}` })),
    h("td", { text: (reply.language || "").toUpperCase(), title: LANGUAGE[reply.language] || "" }),
    h("td", {}, h("strong", { text: reply.title }), h("div", { class: "row-text", text: reply.text })),
    h("td", {}, h("div", { class: "actions" }, edit, remove)));
}

async function loadCanned() {
  const box = $("[data-canned]");
  try {
    const { cannedReplies = [] } = await api("/api/canned-replies");
    replace(box, cannedReplies.length ? table(["Scorciatoia", "Lingua", "Risposta", ""], cannedReplies.map(cannedRow))
      : empty("Nessuna risposta rapida.", "Creane una: gli operatori la inseriscono digitando /scorciatoia."));
  } catch (err) {
    replace(box, failure(err));
  }
}

function resetCannedForm() {
  state.cannedEditing = null;
  cannedForm.reset();
  $("[data-canned-form-title]").textContent = "Nuova risposta rapida";
  $("[data-canned-save]").textContent = "Crea risposta";
  $("[data-canned-new]").hidden = true;
  showError($("[data-canned-error]"), null);
}

function editCanned(reply) {
  resetCannedForm();
  state.cannedEditing = reply;
  fill(cannedForm, reply);
  $("[data-canned-form-title]").textContent = `Modifica /${String(reply.shortcut).replace(/^\//, "")}`;
  $("[data-canned-save]").textContent = "Salva modifiche";
  $("[data-canned-new]").hidden = false;
}

async function submitCanned(event) {
  event.preventDefault();
  const body = values(cannedForm);
  const error = $("[data-canned-error]");
  showError(error, null);
  try {
    if (state.cannedEditing) await api(`/api/canned-replies/${state.cannedEditing.id}`, { method: "PATCH", body });
    else await api("/api/canned-replies", { method: "POST", body });
    toast("Risposta rapida salvata.", "ok");
    resetCannedForm();
    await loadCanned();
  } catch (err) {
    showError(error, err.status === 409 ? { message: "Esiste già questa scorciatoia in questa lingua." } : err);
  }
}

const ACTIONS = { view_history: "Ha letto la conversazione", view_ticket: "Ha letto il ticket" };

async function loadAudit() {
  const box = $("[data-audit]");
  try {
    const data = await api("/api/operators/audit", { query: { page: state.auditPage, perPage: 25 } });
    $("[data-audit-total]").textContent = String(data.total);
    replace(box, data.entries.length ? table(["Quando", "Operatore", "Azione", "Oggetto", "IP"], data.entries.map((entry) => h("tr", {},
      h("td", { text: fmtDateTime(entry.createdAt) }),
      h("td", { text: operatorName(entry.operator) || "—" }),
      h("td", { text: ACTIONS[entry.action] || entry.action }),
      h("td", {}, entry.targetType === "chat" && entry.targetId
        ? h("a", { href: `/dashboard/chats/${encodeURIComponent(entry.targetId)}`, class: "mono", text: shortId(entry.targetId) })
        : h("span", { text: `${entry.targetType} ${entry.targetId || ""}` })),
      h("td", { class: "mono", text: entry.ipAddress || "—" }))))
      : empty("Nessun accesso registrato.", ""));
    const pages = Math.max(1, Math.ceil(data.total / data.perPage));
    $("[data-audit-pager]").hidden = pages <= 1;
    $("[data-audit-page]").textContent = `Pagina ${state.auditPage} di ${pages}`;
    $("[data-audit-prev]").disabled = state.auditPage <= 1;
    $("[data-audit-next]").disabled = state.auditPage >= pages;
  } catch (err) {
    replace(box, failure(err));
  }
}

opForm.addEventListener("submit", submitOperator);
cannedForm.addEventListener("submit", submitCanned);
$("[data-op-new]").addEventListener("click", resetOperatorForm);
$("[data-canned-new]").addEventListener("click", resetCannedForm);
$("[data-audit-prev]").addEventListener("click", () => { state.auditPage -= 1; loadAudit(); });
$("[data-audit-next]").addEventListener("click", () => { state.auditPage += 1; loadAudit(); });
resetOperatorForm();
loadOperators();
loadCanned();
loadAudit();
