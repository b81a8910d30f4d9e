// Archive: search every conversation and read its transcript (the read is audited by the history API).
import { api } from "./api.js";
import { $, $$, LANGUAGE, STATUS, empty, failure, fmtDateTime, h, loading, operatorName, replace, shortId, tag } from "./dom.js";
import { transcriptNodes } from "./transcript.js";

const form = $("[data-archive-filters]");
const results = $("[data-results]");
const box = $("[data-transcript-box]");
const FIELDS = ["q", "status", "from", "to", "operatorId"];
const params = new URLSearchParams(window.location.search);
const state = { page: Number(params.get("page")) || 1, selected: params.get("chat") };
let operatorsLoaded = false;

FIELDS.forEach((name) => { if (params.get(name)) form.elements[name].value = params.get(name); });

function query() {
  const q = Object.fromEntries(FIELDS.map((name) => [name, form.elements[name].value.trim()]));
  return { ...q, page: state.page, perPage: 25 };
}

function remember() {
  const url = new URL(window.location.href);
  const wanted = { ...query(), chat: state.selected || "" };
  delete wanted.perPage;
  Object.entries(wanted).forEach(([key, value]) => (value && !(key === "page" && value === 1)
    ? url.searchParams.set(key, value) : url.searchParams.delete(key)));
  window.history.replaceState(null, "", url);
}

function fillOperators(operators) {
  if (operatorsLoaded) return;
  operatorsLoaded = true;
  const select = form.elements.operatorId;
  const current = params.get("operatorId");
  operators.forEach((op) => select.append(h("option", { value: op.id, text: operatorName(op), selected: String(op.id) === current })));
}

function row(chat) {
  const tr = h("tr", { class: `clickable${chat.sessionId === state.selected ? " selected" : ""}`, tabindex: "0", "data-session-id": chat.sessionId },
    h("td", {}, h("span", { class: "mono", text: shortId(chat.sessionId) })),
    h("td", { text: fmtDateTime(chat.startedAt) }),
    h("td", {}, tag(chat.status, STATUS[chat.status])),
    h("td", { title: LANGUAGE[chat.language] || chat.language, text: (chat.language || "").toUpperCase() }),
    h("td", { text: (chat.operators || []).map(operatorName).join(", ") || "—" }),
    h("td", { class: "num", text: chat.messageCount }),
    h("td", {}, h("div", { class: "row-text", text: chat.lastMessage || "" })));
  const open = () => select(chat.sessionId);
  tr.addEventListener("click", open);
  tr.addEventListener("keydown", (event) => { if (event.key === "Enter") open(); });
  return tr;
}

async function search() {
  replace(results, loading("Ricerca in corso…"));
  let data;
  try {
    data = await api("/api/chat-management/archive", { query: query() });
  } catch (err) {
    replace(results, failure(err));
    return;
  }
  fillOperators(data.operators || []);
  $("[data-total]").textContent = String(data.total);
  if (!data.chats.length) replace(results, empty("Nessuna conversazione trovata.", "Prova con meno filtri o un'altra parola."));
  else {
    replace(results, h("table", { class: "table" },
      h("thead", {}, h("tr", {}, ["Chat", "Iniziata", "Stato", "Lingua", "Operatori", "Msg", "Ultimo messaggio"].map((t) => h("th", { scope: "col", text: t })))),
      h("tbody", {}, data.chats.map(row))));
  }
  const pages = Math.max(1, Math.ceil(data.total / data.perPage));
  $("[data-pager]").hidden = pages <= 1;
  $("[data-page-info]").textContent = `Pagina ${state.page} di ${pages}`;
  $("[data-prev]").disabled = state.page <= 1;
  $("[data-next]").disabled = state.page >= pages;
}

async function select(sessionId) {
  state.selected = sessionId;
  remember();
  $$("tr[data-session-id]").forEach((tr) => tr.classList.toggle("selected", tr.dataset.sessionId === sessionId));
  const link = $("[data-open-chat]");
  link.href = `/dashboard/chats/${encodeURIComponent(sessionId)}`;
  link.hidden = false;
  replace(box, loading("Caricamento della trascrizione…"));
  try {
    const data = await api(`/api/chat-management/history/${encodeURIComponent(sessionId)}`);
    replace(box, h("div", { class: "transcript", role: "log", "aria-label": "Trascrizione", tabindex: "0" }, transcriptNodes(data.messages || [])),
      (data.internalNotes || []).length ? h("div", { class: "panel-body" }, h("h3", { text: "Note interne" }),
        h("ul", { class: "notes" }, data.internalNotes.map((note) => h("li", { class: "note", text: note.content })))) : null);
  } catch (err) {
    replace(box, err.status === 404 ? empty("Conversazione non trovata.", "Il visitatore potrebbe averla cancellata.") : failure(err));
  }
}

form.addEventListener("submit", (event) => { event.preventDefault(); state.page = 1; remember(); search(); });
$("[data-prev]").addEventListener("click", () => { state.page -= 1; remember(); search(); });
$("[data-next]").addEventListener("click", () => { state.page += 1; remember(); search(); });
search();
if (state.selected) select(state.selected);
