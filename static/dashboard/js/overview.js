// Overview: live counts and the latest events, refreshed every 3 seconds.
import { api, poll } from "./api.js";
import { $, empty, failure, h, replace, shortId, sinceCell, syncList } from "./dom.js";
import { num, tile } from "./stats.js";

const EVENTS = {
  chat_started: "Nuova chat", chat_message: "Messaggio", ai_response: "Risposta dell'AI", ai_error: "Errore dell'AI",
  escalation_request: "Richiesta di operatore", operator_connected: "Operatore collegato",
  escalation_failed: "Nessun operatore disponibile", queue_timeout: "Attesa in coda troppo lunga",
  chat_timeout: "Chat inattiva", chat_reactivated: "Chat riattivata", chat_status_changed: "Cambio di stato",
  chat_resolved: "Chat risolta", chat_abandoned: "Chat abbandonata", chat_transferred: "Chat trasferita",
  chat_rated: "Valutazione ricevuta", internal_note_added: "Nota interna", ticket_created: "Ticket creato",
  ticket_from_chat: "Ticket dalla chat", ticket_resolved: "Ticket risolto", ticket_sla_breached: "SLA del ticket superato",
  operator_login: "Accesso operatore", operator_logout: "Uscita operatore", data_deleted: "Dati cancellati dal visitatore",
};
const QUIET = new Set(["chat_message", "ai_response"]);

function detail(event) {
  const data = event.data || {};
  if (event.type === "chat_status_changed") return `${data.from || "?"} → ${data.to || "?"}`;
  if (data.ticketNumber) return data.ticketNumber;
  if (event.type === "chat_rated" && data.rating) return `${data.rating}/5`;
  return data.reason || "";
}

function eventRow(event) {
  const link = event.sessionId ? h("a", { href: `/dashboard/chats/${encodeURIComponent(event.sessionId)}`, class: "mono", text: shortId(event.sessionId) }) : null;
  return h("li", { class: "row", "data-session-id": event.sessionId || "" },
    h("div", {}, h("div", { class: "row-title" }, h("span", { text: EVENTS[event.type] || event.type }), link),
      detail(event) ? h("div", { class: "row-meta", text: detail(event) }) : null),
    h("div", { class: "row-meta" }, sinceCell(event.timestamp, "", " fa")));
}

async function loadCounts() {
  const box = $("[data-live-counts]");
  try {
    const stats = await api("/api/analytics/stats");
    const { today = {}, current = {}, sla = {}, operators = {} } = stats;
    replace(box,
      tile("Chat aperte", num(current.activeChats), "in corso adesso", { href: "/dashboard/", key: "active" }),
      tile("Con operatore", num(countWithOperator),
        `${num(current.waitingClient)} in attesa del cliente`, { href: "/dashboard/", key: "withOperator" }),
      tile("In coda", num(current.queueLength), "aspettano un operatore", { href: "/dashboard/", key: "queue", alert: current.queueLength > 0 }),
      tile("Ticket aperti", num(sla.ticketsOpen), `${num(sla.ticketsBreached)} oltre SLA`, { href: "/dashboard/tickets", key: "tickets", alert: sla.ticketsBreached > 0 }),
      tile("Chat oggi", num(today.totalChats), `${num(today.escalated)} con richiesta di operatore`, { href: "/dashboard/analytics", key: "today" }),
      tile("Operatori online", num(operators.online), null, { key: "online" }));
  } catch (err) {
    if (!box.querySelector(".stat")) replace(box, failure(err));
    throw err;
  }
}

let countWithOperator = null;
async function loadWithOperator() {
  try {
    const data = await api("/api/chat-management/active-chats", { query: { filter: "all" } });
    countWithOperator = (data.chats || []).filter((chat) => chat.status === "WITH_OPERATOR").length;
  } catch (_err) {
    countWithOperator = null;
  }
}

async function loadActivity() {
  const box = $("[data-activity]");
  let data;
  try {
    data = await api("/api/analytics/events", { query: { limit: 60 } });
  } catch (err) {
    if (!box.querySelector(".rows")) replace(box, failure(err));
    throw err;
  }
  const events = (data.events || []).filter((event) => !QUIET.has(event.type)).slice(0, 20);
  if (!events.length) { replace(box, empty("Ancora nessuna attività oggi.", "")); return; }
  let list = box.querySelector(":scope > ul.rows");
  if (!list) { list = h("ul", { class: "rows" }); replace(box, list); }
  syncList(list, events, (event) => event.id, eventRow);
}

poll(async () => { await loadWithOperator(); await loadCounts(); }, 3000);
poll(loadActivity, 3000);
