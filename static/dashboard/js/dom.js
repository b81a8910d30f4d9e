// Small DOM and formatting helpers. Text always goes in through textContent, never as HTML.
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([key, value]) => {
    if (value === undefined || value === null || value === false) return;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key in node && typeof value !== "string") node[key] = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  });
  append(node, children);
  return node;
}

function append(node, children) {
  children.flat(Infinity).forEach((child) => {
    if (child === null || child === undefined || child === false) return;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  });
}

export function $(selector, root = document) { return root.querySelector(selector); }
export function $$(selector, root = document) { return Array.from(root.querySelectorAll(selector)); }

export function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
}

export function stateBox(kind, title, detail) {
  return h("div", { class: `state ${kind}`, role: kind === "error" ? "alert" : "status" },
    h("strong", { text: title }), detail ? h("span", { text: detail }) : null);
}
export const loading = (text = "Caricamento…") => stateBox("loading", text);
export const empty = (title, detail) => stateBox("empty", title, detail);
export const failure = (err) => stateBox("error", "Impossibile caricare i dati.", err && err.message);

const time = new Intl.DateTimeFormat("it-IT", { hour: "2-digit", minute: "2-digit" });
const dateTime = new Intl.DateTimeFormat("it-IT", { day: "2-digit", month: "short", hour: "2-digit", minute: "2-digit" });
const dateOnly = new Intl.DateTimeFormat("it-IT", { weekday: "short", day: "2-digit", month: "short" });

const parse = (iso) => (iso ? new Date(iso) : null);
export const fmtTime = (iso) => (iso ? time.format(parse(iso)) : "—");
export const fmtDateTime = (iso) => (iso ? dateTime.format(parse(iso)) : "—");
export const fmtDate = (iso) => (iso ? dateOnly.format(parse(iso.length === 10 ? iso + "T12:00:00" : iso)) : "—");

export function fmtDuration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const hours = Math.floor(m / 60);
  if (hours < 48) return `${hours} h ${m % 60} min`;
  return `${Math.floor(hours / 24)} g ${hours % 24} h`;
}
export const since = (iso) => (iso ? fmtDuration((Date.now() - parse(iso).getTime()) / 1000) : "—");
export const shortId = (id) => (id ? `#${String(id).slice(-6)}` : "—");

export const STATUS = {
  ACTIVE: "Con l'assistente", IDLE: "Inattiva", WAITING_OPERATOR: "In coda", WITH_OPERATOR: "Con operatore",
  WAITING_CLIENT: "Attesa cliente", RESOLVED: "Risolta", NOT_RESOLVED: "Non risolta", CANCELLED: "Annullata",
  ENDED: "Terminata",
};
export const TICKET_STATUS = {
  OPEN: "Aperto", IN_PROGRESS: "In lavorazione", WAITING_USER: "Attesa utente", RESOLVED: "Risolto",
  CLOSED: "Chiuso", ESCALATED: "Scaduto SLA",
};
export const PRIORITY = { LOW: "Bassa", MEDIUM: "Media", HIGH: "Alta", URGENT: "Urgente" };
export const LANGUAGE = { it: "Italiano", en: "English", de: "Deutsch" };

export function tag(value, label, extra = "") {
  return h("span", { class: `tag tag-${value} ${extra}`.trim(), text: label || value });
}

export function lastText(value) {
  if (!value) return "";
  return typeof value === "string" ? value : value.message || value.body || "";
}

export function operatorName(op) {
  return op ? op.displayName || op.name || op.username : "";
}

// Keyed list update: unchanged rows keep their nodes (and keyboard focus); new rows are marked `fresh`.
export function syncList(container, items, keyOf, render, { freshKeys = [] } = {}) {
  const existing = new Map($$(":scope > [data-key]", container).map((node) => [node.dataset.key, node]));
  const wanted = items.map((item) => {
    const key = String(keyOf(item));
    const signature = JSON.stringify(item);
    let node = existing.get(key);
    if (!node || node.dataset.signature !== signature) {
      const fresh = render(item);
      fresh.dataset.key = key;
      fresh.dataset.signature = signature;
      if (freshKeys.includes(keyOf(item))) fresh.classList.add("fresh");
      if (node) node.replaceWith(fresh);
      node = fresh;
    }
    existing.delete(key);
    return node;
  });
  existing.forEach((node) => node.remove());
  wanted.forEach((node, index) => {
    if (container.children[index] !== node) container.insertBefore(node, container.children[index] || null);
  });
}

// "3 min ago"-style cells tick by themselves: <span data-since="iso">.
export function sinceCell(iso, prefix = "", suffix = "") {
  return h("span", { "data-since": iso || "", "data-prefix": prefix, "data-suffix": suffix, text: prefix + since(iso) + suffix });
}
// SLA countdowns: <span data-due="iso">, red once overdue, amber in the last hour.
export function dueCell(iso) {
  const node = h("span", { "data-due": iso || "" });
  paintDue(node);
  return node;
}
function paintDue(node) {
  const due = node.dataset.due ? new Date(node.dataset.due).getTime() : null;
  if (!due) { node.textContent = "—"; return; }
  const left = (due - Date.now()) / 1000;
  node.textContent = left < 0 ? `Scaduto da ${fmtDuration(-left)}` : `Tra ${fmtDuration(left)}`;
  node.classList.toggle("overdue", left < 0);
  node.classList.toggle("due-soon", left >= 0 && left < 3600);
}
setInterval(() => {
  $$("[data-since]").forEach((node) => {
    if (node.dataset.since) node.textContent = (node.dataset.prefix || "") + since(node.dataset.since) + (node.dataset.suffix || "");
  });
  $$("[data-due]").forEach(paintDue);
}, 1000);
