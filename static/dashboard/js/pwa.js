// Every dashboard page: register the service worker (installable app, offline page, push alerts) and, on
// operator pages, tell the server while a tab is in view, so a visitor's message is pushed to her phone
// only when no dashboard of hers is visible.
import { api } from "./api.js";

const HEARTBEAT_MS = 25000; // the server counts a tab as visible for 60 s after each beat

export const serviceWorker = "serviceWorker" in navigator
  ? navigator.serviceWorker.register("/dashboard/sw.js", { scope: "/dashboard/" }).catch(() => null)
  : Promise.resolve(null);

function reportPresence(visible) {
  return api("/api/operators/push/presence", { method: "POST", body: { visible }, keepalive: !visible })
    .catch(() => {}); // a missed beat only means one push too many or too few
}

function watchPresence() {
  let timer = null;
  const beat = () => {
    clearInterval(timer);
    reportPresence(!document.hidden);
    if (!document.hidden) timer = setInterval(() => reportPresence(true), HEARTBEAT_MS);
  };
  document.addEventListener("visibilitychange", beat); // also fires, hidden, when the page is closed or left
  beat();
}

if (document.querySelector(".shell")) watchPresence();

// A browser may replace a push subscription (the old endpoint then answers 410 and the server drops it):
// the endpoint this device last registered is remembered, and a new one is registered in its place.
const SYNCED_KEY = "lucine.pushEndpoint";

export function rememberSubscription(endpoint) {
  try {
    if (endpoint) localStorage.setItem(SYNCED_KEY, endpoint); else localStorage.removeItem(SYNCED_KEY);
  } catch (_err) { /* storage disabled: no re-registration, nothing else lost */ }
}

async function replaceRotatedSubscription() {
  let synced = null;
  try { synced = localStorage.getItem(SYNCED_KEY); } catch (_err) { return; }
  if (!synced || !("Notification" in window) || Notification.permission !== "granted") return;
  const registration = await serviceWorker;
  const subscription = registration && await registration.pushManager.getSubscription();
  if (!subscription || subscription.endpoint === synced) return;
  await api("/api/operators/push/subscriptions", { method: "POST", body: subscription.toJSON() });
  await api("/api/operators/push/subscriptions", { method: "DELETE", body: { endpoint: synced } }).catch(() => {});
  rememberSubscription(subscription.endpoint);
}

if (document.querySelector(".shell")) replaceRotatedSubscription().catch(() => {});
