// Every dashboard page: the online toggle, and the queue watcher that alerts on new chats
// (sound, "(n)" in the title, sidebar badge, browser notification) and shares the queue with the page.
import { api, poll } from "./api.js";
import { $, $$, shortId, lastText } from "./dom.js";
import "./pwa.js";
import { liveState, toast, withBusy } from "./ui.js";

const shell = $(".shell");
const baseTitle = document.title;
const SEEN_KEY = "lucine.seenQueue";
export const queueState = { chats: [], loaded: false };

function setupOnlineToggle() {
  const toggle = $('[data-testid="online-toggle"]');
  if (!toggle) return;
  toggle.addEventListener("click", () => withBusy(toggle, async () => {
    const wanted = toggle.getAttribute("aria-checked") !== "true";
    toggle.setAttribute("aria-busy", "true");
    try {
      const operator = await api("/api/operators/status", { method: "POST", body: { isOnline: wanted } });
      const online = operator && typeof operator.isOnline === "boolean" ? operator.isOnline : wanted;
      toggle.setAttribute("aria-checked", String(online));
      toggle.querySelector(".switch-label").textContent = online ? "Online" : "Offline";
      toast(online ? "Sei online: riceverai nuove chat." : "Sei offline: non riceverai nuove chat.", "ok");
    } finally {
      toggle.removeAttribute("aria-busy");
    }
  }));
}

function setupNotifications() {
  const button = $("[data-enable-notifications]");
  if (!button || !("Notification" in window) || Notification.permission !== "default") return;
  button.hidden = false;
  button.addEventListener("click", async () => {
    const answer = await Notification.requestPermission().catch(() => "denied");
    button.hidden = true;
    toast(answer === "granted" ? "Notifiche attive." : "Notifiche non consentite dal browser.");
  });
}

let audio = null;
function playSound() {
  if (!shell || !shell.dataset.soundUrl) return;
  audio = audio || new Audio(shell.dataset.soundUrl);
  audio.currentTime = 0;
  audio.play().catch(() => {}); // autoplay can be refused before the first click: the badge still shows
}

function notify(chats) {
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  const first = chats[0];
  const body = chats.length > 1 ? `${chats.length} nuove chat in coda` : lastText(first.lastMessage) || "Nuova chat in coda";
  try {
    const note = new Notification(`Nuova richiesta ${shortId(first.sessionId)}`, { body, tag: "lucine-queue" });
    note.onclick = () => { window.focus(); window.location.assign(`/dashboard/chats/${encodeURIComponent(first.sessionId)}`); };
  } catch (_err) { /* some browsers only allow notifications from a service worker */ }
}

function readSeen() {
  try { return JSON.parse(sessionStorage.getItem(SEEN_KEY)); } catch (_err) { return null; }
}

function alertNewChats(chats) {
  const seen = readSeen();
  const ids = chats.map((chat) => chat.sessionId);
  sessionStorage.setItem(SEEN_KEY, JSON.stringify(ids));
  if (!seen) return [];
  const fresh = chats.filter((chat) => !seen.includes(chat.sessionId));
  if (fresh.length) {
    playSound();
    notify(fresh);
    $$("[data-queue-badge], [data-menu-badge]").forEach((badge) => { badge.classList.remove("pulse"); void badge.offsetWidth; badge.classList.add("pulse"); });
  }
  return fresh.map((chat) => chat.sessionId);
}

function showCount(count) {
  document.title = count ? `(${count}) ${baseTitle}` : baseTitle;
  $$("[data-queue-badge], [data-menu-badge]").forEach((badge) => { badge.textContent = String(count); badge.hidden = count === 0; });
}

async function watchQueue() {
  const data = await api("/api/operators/pending-chats");
  const chats = (data && data.chats) || [];
  const fresh = alertNewChats(chats);
  queueState.chats = chats;
  queueState.loaded = true;
  showCount(chats.length);
  document.dispatchEvent(new CustomEvent("lucine:queue", { detail: { chats, fresh } }));
}

export const me = {
  id: shell ? Number(shell.dataset.operatorId) : null,
  isAdmin: shell ? shell.dataset.operatorRole === "ADMIN" : false,
};

export let queuePoller = null;

// On a phone the navigation folds behind a Menu button (dashboard.css); Escape or a link closes it.
function setupMenu() {
  const button = $("[data-menu-toggle]");
  if (!button) return;
  const setOpen = (open) => { shell.classList.toggle("nav-open", open); button.setAttribute("aria-expanded", String(open)); };
  button.addEventListener("click", () => setOpen(!shell.classList.contains("nav-open")));
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") setOpen(false); });
}

// On a phone a table shows one card per row: each cell carries its column's heading (dashboard.css).
function labelTableCells() {
  $$("table.table").forEach((table) => {
    const headings = $$("thead th", table).map((th) => th.textContent.trim());
    $$("tbody tr", table).forEach((row) => Array.from(row.children).forEach((cell, i) => {
      if (headings[i] && !cell.dataset.label) cell.dataset.label = headings[i];
    }));
  });
}

if (shell) {
  labelTableCells();
  new MutationObserver(labelTableCells).observe(document.querySelector("main") || document.body, { childList: true, subtree: true });
  setupMenu();
  setupOnlineToggle();
  setupNotifications();
  queuePoller = poll(watchQueue, 3000, (err) => {
    liveState(err);
    if (err) document.dispatchEvent(new CustomEvent("lucine:queue-error", { detail: err }));
  });
}
