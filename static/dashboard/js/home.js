// Home: the queue (shared by the shell's watcher) and the operator's chats with per-filter counts.
import { api, poll } from "./api.js";
import { $, $$, PRIORITY, LANGUAGE, STATUS, empty, failure, h, lastText, operatorName, replace, shortId,
  sinceCell, syncList, tag } from "./dom.js";
import { queueState } from "./shell.js";
import { withBusy } from "./ui.js";

const queueBox = $("[data-queue-list]");
const chatBox = $("[data-chat-list]");
const PRIORITIES = ["LOW", "MEDIUM", "HIGH", "URGENT"];
let filter = "assigned";

const chatUrl = (id) => `/dashboard/chats/${encodeURIComponent(id)}`;

export async function takeChat(sessionId, button) {
  await withBusy(button, async () => {
    try {
      await api("/api/operators/take-chat", { method: "POST", body: { sessionId } });
      window.location.assign(chatUrl(sessionId));
    } catch (err) {
      if (err.status === 409) throw new Error("La chat è già stata presa da un altro operatore o è chiusa.");
      throw err;
    }
  });
}

function queueRow(chat) {
  const priority = typeof chat.priority === "number" ? PRIORITIES[chat.priority] : chat.priority || "MEDIUM";
  const take = h("button", { type: "button", class: "btn btn-primary btn-sm", text: "Prendi in carico" });
  take.addEventListener("click", () => takeChat(chat.sessionId, take));
  return h("li", { class: "row", "data-session-id": chat.sessionId },
    h("div", {},
      h("div", { class: "row-title" },
        h("span", { class: "position", title: "Posizione in coda", text: chat.queuePosition ?? "–" }),
        h("a", { href: chatUrl(chat.sessionId), class: "mono", text: shortId(chat.sessionId) }),
        ["HIGH", "URGENT"].includes(priority) ? tag(priority, PRIORITY[priority]) : null,
        chat.language ? tag("lang", chat.language, "tag-lang") : null),
      h("div", { class: "row-text", text: lastText(chat.lastMessage) || "Nessun messaggio" }),
      h("div", { class: "row-meta" },
        sinceCell(chat.waitingSince, "In attesa da "),
        h("span", { text: chat.messageCount === 1 ? "1 messaggio" : `${chat.messageCount ?? 0} messaggi` }))),
    h("div", { class: "actions" }, take));
}

function renderQueue({ chats, fresh }) {
  $("[data-queue-count]").textContent = String(chats.length);
  if (!chats.length) {
    replace(queueBox, empty("Nessuna chat in coda.", "Le nuove richieste compaiono qui con un avviso sonoro."));
    return;
  }
  let list = $(":scope > ul.rows", queueBox);
  if (!list) { list = h("ul", { class: "rows" }); replace(queueBox, list); }
  syncList(list, chats, (chat) => chat.sessionId, queueRow, { freshKeys: fresh || [] });
}

function chatRow(chat) {
  const operator = chat.operator;
  const mine = operator && Number(operator.id) === Number($(".shell").dataset.operatorId);
  return h("li", { class: "row", "data-session-id": chat.sessionId },
    h("div", {},
      h("div", { class: "row-title" },
        h("a", { href: chatUrl(chat.sessionId), class: "mono", text: shortId(chat.sessionId) }),
        tag(chat.status, STATUS[chat.status]),
        chat.language ? tag("lang", chat.language, "tag-lang") : null,
        operator ? h("span", { class: "stat-note", text: mine ? "Tua chat" : `Gestita da ${operatorName(operator)}` }) : null),
      h("div", { class: "row-text", text: lastText(chat.lastMessage) || "Nessun messaggio" }),
      h("div", { class: "row-meta" },
        sinceCell(chat.lastActivity || chat.lastActivityAt || chat.waitingSince, "Ultima attività "),
        chat.language ? h("span", { text: LANGUAGE[chat.language] || chat.language }) : null)),
    h("div", { class: "actions" },
      h("a", { class: "btn btn-secondary btn-sm", href: chatUrl(chat.sessionId), text: "Apri" })));
}

const EMPTY_CHATS = {
  assigned: ["Non hai chat in corso.", "Prendi una chat dalla coda per iniziare."],
  unassigned: ["Nessuna chat in attesa di assegnazione.", ""],
  waiting: ["Nessuna chat in attesa di risposta del cliente.", ""],
  all: ["Nessuna chat aperta.", ""],
};

async function loadChats() {
  const current = filter;
  let data;
  try {
    data = await api("/api/chat-management/active-chats", { query: { filter: current } });
  } catch (err) {
    if (!$("ul.rows", chatBox)) replace(chatBox, failure(err));
    throw err;
  }
  if (current !== filter) return;
  Object.entries(data.counts || {}).forEach(([key, value]) => {
    const node = $(`[data-count="${key}"]`);
    if (node) node.textContent = String(value);
  });
  const chats = data.chats || [];
  if (!chats.length) { replace(chatBox, empty(...EMPTY_CHATS[current])); return; }
  let list = $(":scope > ul.rows", chatBox);
  if (!list) { list = h("ul", { class: "rows" }); replace(chatBox, list); }
  syncList(list, chats, (chat) => chat.sessionId, chatRow);
}

function setupTabs(poller) {
  $$("[data-filter]").forEach((tab) => tab.addEventListener("click", () => {
    filter = tab.dataset.filter;
    $$("[data-filter]").forEach((other) => other.setAttribute("aria-selected", String(other === tab)));
    replace(chatBox, h("div", { class: "state loading", role: "status" }, h("strong", { text: "Caricamento…" })));
    poller.now();
  }));
}

document.addEventListener("lucine:queue", (event) => renderQueue(event.detail));
document.addEventListener("lucine:queue-error", (event) => {
  if (!queueState.loaded) replace(queueBox, failure(event.detail));
});
if (queueState.loaded) renderQueue({ chats: queueState.chats, fresh: [] });
setupTabs(poll(loadChats, 3000, (err) => { if (err && err.status !== 401) console.warn(err.message); }));
