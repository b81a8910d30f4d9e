// The dashboard's service worker (scope /dashboard/): an offline page when the network is gone, Web Push
// alerts shown as notifications, and a click on one opens or focuses the chat it names.
// It caches only the offline page and what that page needs: never API data, never a chat.
const CACHE = "lucine-offline-v1";
const OFFLINE_URL = "/dashboard/offline";
const OFFLINE_ASSETS = [OFFLINE_URL, "/static/dashboard/dashboard.css", "/static/dashboard/favicon.svg"];
const ICON = "/static/dashboard/icons/icon-192.png";
const HOME = "/dashboard/";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(OFFLINE_ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
    .then(() => self.clients.claim()));
});

// Pages and everything else go to the network as if there were no service worker; only when a page cannot
// be loaded does the cached offline page (and its stylesheet) stand in.
self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE_URL)));
    return;
  }
  const url = new URL(request.url);
  if (url.origin === self.location.origin && OFFLINE_ASSETS.includes(url.pathname)) {
    event.respondWith(fetch(request).catch(() => caches.match(url.pathname)));
  }
});

// Only our own dashboard pages: a payload can never send the operator elsewhere.
function dashboardUrl(url) {
  try {
    const target = new URL(url || HOME, self.location.origin);
    if (target.origin === self.location.origin && target.pathname.startsWith(HOME)) return target.href;
  } catch (_err) { /* not a URL: go home */ }
  return new URL(HOME, self.location.origin).href;
}

// The push payload is {title, body, url, tag}; a newer alert about the same chat replaces the older one.
function showAlert(data) {
  const tag = data.tag || "lucine";
  return self.registration.showNotification(data.title || "Lucine operatori", {
    body: data.body || "", tag, renotify: true, icon: ICON, badge: ICON, lang: "it",
    data: { url: dashboardUrl(data.url) },
  });
}

function onPush(event) {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (_err) { data = { body: event.data.text() }; }
  event.waitUntil(showAlert(data));
}

self.addEventListener("push", onPush);

// Focus a tab already showing the chat; else bring a dashboard tab there; else open a new window.
async function openChat(url) {
  const target = dashboardUrl(url);
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const same = windows.find((client) => client.url === target);
  if (same) return same.focus();
  const dashboard = windows.find((client) => new URL(client.url).pathname.startsWith(HOME) && "navigate" in client);
  if (dashboard) {
    await dashboard.focus().catch(() => {}); // focusing needs the click's user activation; navigating does not
    const moved = await dashboard.navigate(target).catch(() => null);
    if (moved) return moved;
  }
  return self.clients.openWindow(target);
}

function onNotificationClick(event) {
  event.notification.close();
  event.waitUntil(openChat(event.notification.data && event.notification.data.url));
}

self.addEventListener("notificationclick", onNotificationClick);
