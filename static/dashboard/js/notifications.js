// Notifications page: "Attiva notifiche sul telefono" asks permission, subscribes this device to Web Push with
// the alerts she picks, and lists her devices (each removable).
import { api } from "./api.js";
import { $, $$, empty, failure, fmtDateTime, h, replace } from "./dom.js";
import { rememberSubscription, serviceWorker } from "./pwa.js";
import { toast, withBusy } from "./ui.js";

const EVENTS = {
  chat_assigned: "Chat assegnata", chat_waiting: "Chat in coda", visitor_message: "Messaggi dei visitatori",
  sla_breached: "Ticket oltre SLA",
};
const list = $("[data-devices]");
const stateTag = $("[data-push-state]");
const errorBox = $("[data-push-error]");
const buttons = {
  enable: $('[data-testid="push-enable"]'), save: $('[data-testid="push-save"]'),
  disable: $('[data-testid="push-disable"]'),
};
const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
let current = null; // this device's PushSubscription, when it has one

function chosenEvents() {
  return $$("[data-push-events] input[type=checkbox]").filter((box) => box.checked).map((box) => box.name);
}

function showEvents(events) {
  $$("[data-push-events] input[type=checkbox]").forEach((box) => { box.checked = events.includes(box.name); });
}

function keyBytes(base64url) {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(base64url.length / 4) * 4, "=");
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
}

function sameKey(subscription, key) {
  const used = subscription.options && subscription.options.applicationServerKey;
  if (!used) return true;
  const a = new Uint8Array(used);
  return a.length === key.length && a.every((byte, i) => byte === key[i]);
}

function deviceRow(device) {
  const here = current && device.endpoint === current.endpoint;
  const remove = h("button", { type: "button", class: "btn btn-danger btn-sm", text: "Rimuovi",
    "aria-label": `Rimuovi ${device.device || "dispositivo"}`, onclick: () => removeDevice(device, remove) });
  return h("li", { class: "row", "data-device": device.id },
    h("div", {},
      h("div", { class: "row-title" }, h("span", { text: device.device || "Dispositivo" }),
        here ? h("span", { class: "tag tag-WITH_OPERATOR", text: "questo" }) : null),
      h("div", { class: "row-meta" }, h("span", { text: `Dal ${fmtDateTime(device.createdAt)}` }),
        h("span", { text: device.lastSuccessAt ? `Ultimo avviso ${fmtDateTime(device.lastSuccessAt)}` : "Nessun avviso ancora" })),
      h("div", { class: "row-text", text: device.events.map((name) => EVENTS[name] || name).join(" · ") || "Nessun avviso scelto" })),
    remove);
}

async function loadDevices() {
  try {
    const { subscriptions } = await api("/api/operators/push/subscriptions");
    $("[data-device-count]").textContent = String(subscriptions.length);
    const mine = current && subscriptions.find((device) => device.endpoint === current.endpoint);
    if (mine) showEvents(mine.events);
    showState(Boolean(mine));
    if (!subscriptions.length) {
      replace(list, empty("Nessun dispositivo", "Attiva le notifiche dal telefono che porti con te."));
      return;
    }
    replace(list, h("ul", { class: "rows" }, subscriptions.map(deviceRow)));
  } catch (err) {
    replace(list, failure(err));
  }
}

function showState(subscribed) {
  stateTag.textContent = subscribed ? "Attive" : "Non attive";
  stateTag.className = `tag ${subscribed ? "tag-WITH_OPERATOR" : ""}`;
  buttons.enable.hidden = subscribed;
  buttons.save.hidden = !subscribed;
  buttons.disable.hidden = !subscribed;
}

async function subscribe() {
  const permission = await Notification.requestPermission();
  if (permission !== "granted") {
    $("[data-push-denied]").hidden = permission !== "denied";
    throw new Error("Permesso per le notifiche non concesso.");
  }
  if (!(await serviceWorker)) throw new Error("Il service worker della dashboard non è attivo: ricarica la pagina.");
  const registration = await navigator.serviceWorker.ready; // subscribing needs an active worker
  const { publicKey } = await api("/api/operators/push/config");
  const key = keyBytes(publicKey);
  let subscription = await registration.pushManager.getSubscription();
  if (subscription && !sameKey(subscription, key)) { await subscription.unsubscribe(); subscription = null; }
  subscription = subscription || await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  return subscription;
}

async function save(subscription) {
  errorBox.hidden = true;
  current = subscription;
  await api("/api/operators/push/subscriptions", { method: "POST", body: { ...subscription.toJSON(), events: chosenEvents() } });
  rememberSubscription(subscription.endpoint);
  await loadDevices();
}

async function removeDevice(device, button) {
  await withBusy(button, async () => {
    await api("/api/operators/push/subscriptions", { method: "DELETE", body: { endpoint: device.endpoint } });
    if (current && device.endpoint === current.endpoint) {
      await current.unsubscribe().catch(() => {});
      current = null;
      rememberSubscription(null);
    }
    toast("Dispositivo rimosso.", "ok");
    await loadDevices();
  });
}

function showError(err) {
  errorBox.textContent = err.message || "Attivazione non riuscita.";
  errorBox.hidden = false;
}

async function start() {
  if (!supported) {
    $("[data-push-unsupported]").hidden = false;
    buttons.enable.disabled = true;
  } else {
    $("[data-push-denied]").hidden = Notification.permission !== "denied";
    const registration = await serviceWorker;
    current = registration ? await registration.pushManager.getSubscription().catch(() => null) : null;
  }
  buttons.enable.addEventListener("click", () => withBusy(buttons.enable, async () => {
    try {
      await save(await subscribe());
      toast("Notifiche attive su questo dispositivo.", "ok");
    } catch (err) {
      showError(err);
    }
  }));
  buttons.save.addEventListener("click", () => withBusy(buttons.save, async () => {
    await save(current);
    toast("Scelte salvate.", "ok");
  }));
  buttons.disable.addEventListener("click", () => {
    if (current) removeDevice({ endpoint: current.endpoint }, buttons.disable);
  });
  await loadDevices();
}

start();
