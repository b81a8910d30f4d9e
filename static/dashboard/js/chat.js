// Chat page: the whole conversation kept live, take, reply (with /shortcut canned replies), notes,
// status (only the transitions the state machine allows), transfer and ticket.
import { api, poll } from "./api.js";
import { $, LANGUAGE, STATUS, empty, failure, fmtDateTime, h, operatorName, replace, tag } from "./dom.js";
import { me } from "./shell.js";
import { toast, withBusy } from "./ui.js";
import { setupCanned } from "./canned.js";
import { messageNode } from "./transcript.js";

const root = $("[data-chat-page]");
const sessionId = root.dataset.sessionId;
const TRANSITIONS = JSON.parse(root.dataset.transitions);
const CLOSED = ["RESOLVED", "NOT_RESOLVED", "CANCELLED", "ENDED"];
const transcript = $("[data-transcript]");
const replyInput = $('[data-testid="reply-input"]');
const state = { status: null, operator: null, language: null, lastId: 0, seen: new Set(), session: {}, queue: null };

function addMessages(messages) {
  const fresh = (messages || []).filter((message) => !state.seen.has(message.id));
  if (!fresh.length) return;
  const nearBottom = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 120;
  if (!state.seen.size) transcript.replaceChildren();
  fresh.forEach((message) => {
    state.seen.add(message.id);
    state.lastId = Math.max(state.lastId, Number(message.id) || 0);
    transcript.append(messageNode(message));
  });
  if (nearBottom || fresh.some((message) => message.sender === "OPERATOR")) transcript.scrollTop = transcript.scrollHeight;
}

const mine = () => Boolean(state.operator) && Number(state.operator.id) === me.id;

function renderStatusSelect() {
  const select = $('[data-testid="status-select"]');
  const allowed = TRANSITIONS[state.status] || [];
  replace(select, h("option", { value: "", text: `${STATUS[state.status] || state.status} — cambia stato…` }),
    allowed.map((status) => h("option", { value: status, text: STATUS[status] || status })));
  select.disabled = !allowed.length;
}

function renderControls() {
  const closed = CLOSED.includes(state.status);
  const takenByOther = state.operator && !mine() && ["WITH_OPERATOR", "WAITING_CLIENT"].includes(state.status);
  $('[data-testid="take-chat"]').hidden = mine() || closed || Boolean(takenByOther);
  const canReply = (mine() || me.isAdmin) && !closed;
  replyInput.disabled = !canReply;
  $('[data-testid="reply-send"]').disabled = !canReply;
  $("[data-reply-hint]").textContent = closed ? "La chat è chiusa: non si può più rispondere."
    : canReply ? "Il visitatore vede questa risposta." : "Prendi in carico la chat per rispondere.";
  $("[data-transfer-send]").disabled = closed || !(mine() || me.isAdmin);
  $('[data-testid="create-ticket"]').disabled = state.status === "ENDED";
  renderStatusSelect();
}

function fact(label, value) {
  return [h("dt", { text: label }), h("dd", {}, value)];
}

function renderFacts() {
  const session = state.session;
  const language = state.language || session.language;
  replace($("[data-chat-meta]"), tag(state.status, STATUS[state.status] || state.status),
    language ? tag("lang", language, "tag-lang") : null,
    h("span", { text: `Iniziata ${fmtDateTime(session.startedAt)}` }));
  replace($("[data-facts]"),
    fact("Stato", STATUS[state.status] || state.status),
    fact("Lingua", language ? `${LANGUAGE[language] || language} (${language})` : "—"),
    fact("Operatore", state.operator ? operatorName(state.operator) + (mine() ? " (tu)" : "") : "Nessuno"),
    state.queue ? fact("In coda", `posizione ${state.queue.position}, ~${state.queue.estimatedWaitMinutes} min`) : null,
    fact("Iniziata", fmtDateTime(session.startedAt)),
    fact("Ultima attività", fmtDateTime(session.lastActivity || session.lastActivityAt)),
    session.rating ? fact("Valutazione", `${session.rating}/5`) : null);
  renderControls();
}

function noteNode(note) {
  const author = typeof note.operator === "object" ? operatorName(note.operator) : note.operatorName || note.operator;
  return h("li", { class: "note" }, h("div", { class: "note-meta", text: `${author || "Sistema"} · ${fmtDateTime(note.createdAt)}` }),
    h("div", { text: note.content }));
}

function renderNotes(notes) {
  const list = $("[data-notes]");
  if (!notes.length) replace(list, h("li", { class: "stat-note", text: "Nessuna nota." }));
  else replace(list, notes.map(noteNode));
}

function ticketNode(ticket) {
  return h("li", { class: "note" }, h("a", { href: `/dashboard/tickets?id=${encodeURIComponent(ticket.id)}`, text: ticket.ticketNumber }),
    " ", tag(ticket.status, ticket.status), h("div", { text: ticket.subject || "" }));
}

function applySession(session, operators) {
  state.session = session;
  state.status = session.status;
  state.language = session.language || state.language;
  if ("operator" in session) state.operator = session.operator;
  else if (operators && operators.length && ["WITH_OPERATOR", "WAITING_CLIENT"].includes(session.status)) {
    state.operator = operators[operators.length - 1];
  }
  renderFacts();
}

async function loadHistory() {
  try {
    const data = await api(`/api/chat-management/history/${encodeURIComponent(sessionId)}`);
    applySession(data.session || {}, data.operators);
    if (!(data.messages || []).length) replace(transcript, empty("Nessun messaggio.", ""));
    addMessages(data.messages);
    renderNotes(data.internalNotes || []);
    const tickets = data.tickets || [];
    replace($("[data-tickets]"), tickets.map(ticketNode));
    return true;
  } catch (err) {
    replace(transcript, err.status === 404 ? empty("Chat non trovata.", "Potrebbe essere stata cancellata dal visitatore.") : failure(err));
    root.querySelectorAll("button, textarea, select, input").forEach((node) => { node.disabled = true; });
    return false;
  }
}

async function refresh() {
  const data = await api(`/api/chat/poll/${encodeURIComponent(sessionId)}`, { query: { after: state.lastId || undefined } });
  addMessages(data.messages);
  const changed = data.status !== state.status || JSON.stringify(data.operator) !== JSON.stringify(state.operator);
  state.status = data.status;
  state.operator = data.operator || null;
  state.queue = data.queue || null;
  if (changed || data.queue) renderFacts();
}

async function sendReply(event) {
  event.preventDefault();
  const text = replyInput.value.trim();
  if (!text) { replyInput.focus(); return; }
  // Free the box at once: the operator may start the next message while this one is in flight (and the poll
  // may show it before the response arrives). If the send fails, the text comes back, ahead of anything new.
  replyInput.value = "";
  replyInput.dispatchEvent(new Event("input"));
  const sent = await withBusy($('[data-testid="reply-send"]'), async () => {
    const data = await api("/api/operators/send-message", { method: "POST", body: { sessionId, message: text } });
    if (data && data.message) addMessages([data.message]);
    return true;
  });
  if (!sent) {
    replyInput.value = replyInput.value.trim() ? `${text}\n${replyInput.value}` : text;
    replyInput.dispatchEvent(new Event("input"));
  }
  replyInput.focus();
}

async function addNote(event) {
  event.preventDefault();
  const input = $('[data-testid="note-input"]');
  const content = input.value.trim();
  if (!content) { input.focus(); return; }
  await withBusy($('[data-testid="note-send"]'), async () => {
    const data = await api("/api/chat-management/add-note", { method: "POST", body: { sessionId, content } });
    input.value = "";
    const list = $("[data-notes]");
    if (list.querySelector(".stat-note")) list.replaceChildren();
    list.append(noteNode(data.note || { content, operator: null, createdAt: new Date().toISOString() }));
    toast("Nota aggiunta.", "ok");
  });
}

async function changeStatus(event) {
  const select = event.target;
  const status = select.value;
  if (!status) return;
  await withBusy(select, async () => {
    const data = await api("/api/chat-management/update-status", { method: "POST", body: { sessionId, status } });
    state.status = (data && data.status) || status;
    toast(`Stato cambiato: ${STATUS[state.status] || state.status}.`, "ok");
  });
  renderFacts();
}

async function takeChat(event) {
  await withBusy(event.currentTarget, async () => {
    try {
      const data = await api("/api/operators/take-chat", { method: "POST", body: { sessionId } });
      state.status = data.status || "WITH_OPERATOR";
      state.operator = data.operator || state.operator;
      renderFacts();
      toast("Chat presa in carico.", "ok");
      replyInput.focus();
    } catch (err) {
      if (err.status === 409) throw new Error("La chat è già di un altro operatore, è chiusa o sei al limite di chat.");
      throw err;
    }
  });
}

function ticketBody(form) {
  const data = Object.fromEntries(new FormData(form).entries());
  const body = { sessionId, subject: data.subject.trim(), priority: data.priority };
  if (data.description.trim()) body.description = data.description.trim();
  if (data.contactMethod) body.contactMethod = data.contactMethod;
  if (data.email.trim()) body.email = data.email.trim();
  if (data.phone.trim()) body.phone = data.phone.trim();
  return body;
}

async function createTicket(event) {
  event.preventDefault();
  const form = event.target;
  const errorBox = $("[data-ticket-error]");
  errorBox.hidden = true;
  await withBusy($('[data-testid="create-ticket"]'), async () => {
    try {
      const data = await api("/api/chat-management/create-ticket", { method: "POST", body: ticketBody(form) });
      $("[data-tickets]").append(ticketNode(data.ticket));
      toast(`Ticket ${data.ticket.ticketNumber} creato.`, "ok");
    } catch (err) {
      const fields = Object.entries(err.fields || {}).map(([key, value]) => `${key}: ${value}`).join("; ");
      errorBox.textContent = fields || err.message;
      errorBox.hidden = false;
    }
  });
  poller.now();
}

async function loadTransferTargets() {
  const select = $("[data-transfer-target]");
  try {
    const data = await api("/api/operators/online");
    const others = (data.operators || []).filter((op) => Number(op.id) !== me.id);
    replace(select, others.length ? others.map((op) => h("option", { value: op.id, disabled: op.hasCapacity === false,
      text: `${operatorName(op)}${op.openChats !== undefined ? ` (${op.openChats} chat)` : ""}${op.hasCapacity === false ? " — al completo" : ""}` }))
      : h("option", { value: "", text: "Nessun altro operatore online" }));
  } catch (_err) {
    replace(select, h("option", { value: "", text: "Elenco non disponibile" }));
  }
}

async function transfer(event) {
  event.preventDefault();
  const toOperatorId = Number($("[data-transfer-target]").value);
  if (!toOperatorId) { toast("Scegli un operatore online.", "error"); return; }
  const reason = $("[data-transfer-reason]").value.trim();
  await withBusy($("[data-transfer-send]"), async () => {
    try {
      await api("/api/operators/transfer", { method: "POST", body: { sessionId, toOperatorId, reason: reason || undefined } });
      toast("Chat trasferita.", "ok");
      poller.now();
    } catch (err) {
      if (err.status === 409) throw new Error("L'operatore scelto è offline o al limite di chat.");
      throw err;
    }
  });
}

function setupComposer() {
  const counter = $("[data-counter]");
  const max = Number(root.dataset.maxLength);
  replyInput.addEventListener("input", () => {
    counter.textContent = `${replyInput.value.length}/${max}`;
    counter.classList.toggle("over", replyInput.value.length > max * 0.9);
  });
  replyInput.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && !event.defaultPrevented) {
      event.preventDefault();
      $("[data-reply-form]").requestSubmit();
    }
  });
  $("[data-reply-form]").addEventListener("submit", sendReply);
}

let poller = { now() {} };
setupCanned(replyInput, $("[data-suggest]"), () => state.language);
setupComposer();
$("[data-note-form]").addEventListener("submit", addNote);
$('[data-testid="status-select"]').addEventListener("change", changeStatus);
$('[data-testid="take-chat"]').addEventListener("click", takeChat);
$("[data-ticket-form]").addEventListener("submit", createTicket);
$("[data-transfer-form]").addEventListener("submit", transfer);
loadHistory().then((found) => {
  if (!found) return;
  poller = poll(refresh, 3000);
  loadTransferTargets();
});
