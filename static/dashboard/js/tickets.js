// Tickets: filtered list with live SLA countdowns, and a detail panel (notes, status, priority, assignee).
import { api, poll } from "./api.js";
import { $, $$, PRIORITY, TICKET_STATUS, dueCell, empty, failure, fmtDateTime, h, operatorName, replace, tag } from "./dom.js";
import { me } from "./shell.js";
import { toast, withBusy } from "./ui.js";

const root = $("[data-tickets-page]");
const TRANSITIONS = JSON.parse(root.dataset.transitions);
const DONE = ["RESOLVED", "CLOSED"];
const listBox = $("[data-ticket-list]");
const detailBox = $("[data-detail-body]");
const filters = $("[data-ticket-filters]");
const params = new URLSearchParams(window.location.search);
const state = { page: Number(params.get("page")) || 1, perPage: 25, selected: Number(params.get("id")) || null };

["status", "priority"].forEach((name) => { filters.elements[name].value = params.get(name) || ""; });
filters.elements.breached.checked = params.get("breached") === "true";

function query() {
  return {
    status: filters.elements.status.value, priority: filters.elements.priority.value,
    breached: filters.elements.breached.checked ? "true" : "", page: state.page, perPage: state.perPage,
  };
}

function remember() {
  const url = new URL(window.location.href);
  const q = { ...query(), id: state.selected || "" };
  delete q.perPage;
  Object.entries(q).forEach(([key, value]) => (value && !(key === "page" && value === 1) ? url.searchParams.set(key, value) : url.searchParams.delete(key)));
  window.history.replaceState(null, "", url);
}

function slaCell(ticket) {
  if (DONE.includes(ticket.status)) return h("span", { class: "stat-note", text: `Chiuso ${fmtDateTime(ticket.resolvedAt)}` });
  return dueCell(ticket.dueAt);
}

function ticketRow(ticket) {
  const overdue = !DONE.includes(ticket.status) && ticket.dueAt && new Date(ticket.dueAt) < new Date();
  const row = h("tr", { class: `clickable${overdue || ticket.slaBreached ? " is-overdue" : ""}${ticket.id === state.selected ? " selected" : ""}`,
    tabindex: "0", "data-ticket-id": ticket.id, "data-session-id": ticket.sessionId || "" },
  h("td", {}, h("span", { class: "mono", text: ticket.ticketNumber })),
  h("td", { text: ticket.subject || "(senza oggetto)" }),
  h("td", {}, tag(ticket.status, TICKET_STATUS[ticket.status])),
  h("td", {}, tag(ticket.priority, PRIORITY[ticket.priority])),
  h("td", {}, slaCell(ticket)),
  h("td", { text: ticket.assignedTo ? operatorName(ticket.assignedTo) : "—" }),
  h("td", { text: fmtDateTime(ticket.createdAt) }));
  const open = () => select(ticket.id);
  row.addEventListener("click", open);
  row.addEventListener("keydown", (event) => { if (event.key === "Enter" || event.key === " ") { event.preventDefault(); open(); } });
  return row;
}

async function loadList() {
  let data;
  try {
    data = await api("/api/tickets", { query: query() });
  } catch (err) {
    replace(listBox, failure(err));
    throw err;
  }
  $("[data-total]").textContent = String(data.total ?? data.tickets.length);
  if (!data.tickets.length) {
    replace(listBox, empty("Nessun ticket con questi filtri.", ""));
  } else {
    const focused = document.activeElement && document.activeElement.dataset.ticketId;
    replace(listBox, h("table", { class: "table" },
      h("thead", {}, h("tr", {}, ["Numero", "Oggetto", "Stato", "Priorità", "SLA", "Assegnato a", "Creato"].map((t) => h("th", { scope: "col", text: t })))),
      h("tbody", {}, data.tickets.map(ticketRow))));
    if (focused) { const again = $(`[data-ticket-id="${focused}"]`, listBox); if (again) again.focus(); }
  }
  const pages = Math.max(1, Math.ceil((data.total || 0) / (data.perPage || state.perPage)));
  $("[data-pager]").hidden = pages <= 1;
  $("[data-page-info]").textContent = `Pagina ${state.page} di ${pages}`;
  $("[data-prev]").disabled = state.page <= 1;
  $("[data-next]").disabled = state.page >= pages;
}

function fact(label, value) { return [h("dt", { text: label }), h("dd", {}, value || "—")]; }

function noteItem(note) {
  return h("li", { class: "note" },
    h("div", { class: "note-meta", text: `${operatorName(note.operator) || "Sistema"} · ${fmtDateTime(note.createdAt)}${note.isPublic ? " · inviata al visitatore" : " · interna"}` }),
    h("div", { text: note.note }));
}

async function patch(ticket, changes, control) {
  const data = await withBusy(control, () => api(`/api/tickets/${ticket.id}`, { method: "PATCH", body: changes }));
  if (data) {
    toast("Ticket aggiornato.", "ok");
    renderDetail(data.ticket || data);
  }
  await loadList().catch(() => {});
}

function controls(ticket) {
  const status = h("select", { "aria-label": "Stato del ticket", "data-ticket-status": "" },
    h("option", { value: "", text: `${TICKET_STATUS[ticket.status]} — cambia…` }),
    (TRANSITIONS[ticket.status] || []).map((s) => h("option", { value: s, text: TICKET_STATUS[s] || s })));
  status.addEventListener("change", () => status.value && patch(ticket, { status: status.value }, status));
  const priority = h("select", { "aria-label": "Priorità", "data-ticket-priority": "" },
    Object.entries(PRIORITY).map(([value, label]) => h("option", { value, text: label, selected: value === ticket.priority })));
  priority.addEventListener("change", () => patch(ticket, { priority: priority.value }, priority));
  const mine = ticket.assignedTo && Number(ticket.assignedTo.id) === me.id;
  const assign = h("button", { type: "button", class: "btn btn-secondary btn-sm", text: mine ? "Rilascia" : "Assegna a me" });
  assign.addEventListener("click", () => patch(ticket, { assignedTo: mine ? null : me.id }, assign));
  return h("div", { class: "form-grid" },
    h("div", { class: "form-row" }, h("label", {}, "Stato", status), h("label", {}, "Priorità", priority)),
    h("div", { class: "actions" }, assign));
}

function noteForm(ticket) {
  const text = h("textarea", { rows: "3", maxlength: "4000", "aria-label": "Nuova nota", "data-ticket-note": "" });
  const isPublic = h("input", { type: "checkbox" });
  const button = h("button", { type: "submit", class: "btn btn-secondary", text: "Aggiungi nota" });
  const form = h("form", { class: "form-grid" }, text,
    h("label", {}, isPublic, "Pubblica: inviala al visitatore (chat ed email/WhatsApp)"), h("div", {}, button));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!text.value.trim()) { text.focus(); return; }
    const data = await withBusy(button, () => api(`/api/tickets/${ticket.id}/notes`,
      { method: "POST", body: { note: text.value.trim(), isPublic: isPublic.checked } }));
    if (!data) return;
    toast("Nota aggiunta.", "ok");
    renderDetail({ ...ticket, notes: [...(ticket.notes || []), data.note] });
  });
  return form;
}

function renderDetail(ticket) {
  const contact = { EMAIL: "Email", WHATSAPP: "WhatsApp", PHONE: "Telefono" }[ticket.contactMethod];
  replace(detailBox, h("div", { class: "form-grid" },
    h("div", {}, h("div", { class: "row-title" }, h("span", { class: "mono", text: ticket.ticketNumber }), tag(ticket.status, TICKET_STATUS[ticket.status]),
      tag(ticket.priority, PRIORITY[ticket.priority])), h("h2", { text: ticket.subject || "(senza oggetto)" })),
    h("dl", { class: "facts" },
      fact("SLA", DONE.includes(ticket.status) ? `Chiuso ${fmtDateTime(ticket.resolvedAt)}` : dueCell(ticket.dueAt)),
      fact("Scadenza", fmtDateTime(ticket.dueAt)),
      fact("Contatto", contact),
      fact("Email", ticket.email), fact("Telefono", ticket.phone),
      fact("Chat", ticket.sessionId ? h("a", { href: `/dashboard/chats/${encodeURIComponent(ticket.sessionId)}`, text: "Apri conversazione" }) : null),
      fact("Assegnato a", ticket.assignedTo ? operatorName(ticket.assignedTo) : null),
      fact("Creato", fmtDateTime(ticket.createdAt))),
    h("div", {}, h("h3", { text: "Descrizione" }), h("p", { class: "note", text: ticket.description || "" })),
    controls(ticket),
    h("div", { class: "form-grid" }, h("h3", { text: "Note" }),
      (ticket.notes || []).length ? h("ul", { class: "notes" }, ticket.notes.map(noteItem)) : h("p", { class: "stat-note", text: "Nessuna nota." }),
      noteForm(ticket))));
}

async function select(id) {
  state.selected = id;
  remember();
  $$("tr[data-ticket-id]").forEach((row) => row.classList.toggle("selected", Number(row.dataset.ticketId) === id));
  try {
    const data = await api(`/api/tickets/${id}`);
    renderDetail(data.ticket || data);
  } catch (err) {
    replace(detailBox, err.status === 404 ? empty("Ticket non trovato.", "") : failure(err));
  }
}

filters.addEventListener("submit", (event) => { event.preventDefault(); state.page = 1; remember(); poller.now(); });
$$("select, input", filters).forEach((control) => control.addEventListener("change", () => filters.requestSubmit()));
$("[data-prev]").addEventListener("click", () => { state.page -= 1; remember(); poller.now(); });
$("[data-next]").addEventListener("click", () => { state.page += 1; remember(); poller.now(); });
const poller = poll(loadList, 15000);
if (state.selected) select(state.selected);
