// The dashboard's only door to the server: same-origin JSON with the session cookie, CSRF header on writes.
const MESSAGES = {
  0: "Connessione assente: nuovo tentativo tra poco.",
  401: "Sessione scaduta: accedi di nuovo.",
  403: "Non hai i permessi per questa operazione.",
  404: "Elemento non trovato.",
  409: "Operazione non possibile nello stato attuale.",
  413: "Testo troppo lungo.",
  429: "Troppe richieste: riprova tra qualche secondo.",
  500: "Errore del server: riprova.",
  503: "Servizio momentaneamente non disponibile.",
};

export class ApiError extends Error {
  constructor(status, code, message, fields) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields || {};
  }
}

function cookie(name) {
  const hit = document.cookie.split("; ").find((part) => part.startsWith(name + "="));
  return hit ? decodeURIComponent(hit.slice(name.length + 1)) : "";
}

function buildUrl(path, query) {
  const url = new URL(path, window.location.origin);
  Object.entries(query || {}).forEach(([key, value]) => {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
  });
  return url;
}

function toLogin() {
  const next = encodeURIComponent(window.location.pathname);
  window.location.assign(`/dashboard/login?expired=1&next=${next}`);
}

export async function api(path, { method = "GET", body, query, keepalive = false } = {}) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-TOKEN"] = cookie("csrf_access_token");
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(buildUrl(path, query), {
      method, headers, credentials: "same-origin", cache: "no-store", keepalive,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (_err) {
    throw new ApiError(0, "NETWORK", MESSAGES[0]);
  }
  if (response.status === 401) {
    toLogin();
    throw new ApiError(401, "UNAUTHORIZED", MESSAGES[401]);
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (data && data.error) || {};
    const message = MESSAGES[response.status] || error.message || MESSAGES[500];
    throw new ApiError(response.status, error.code, message, error.fields);
  }
  return data;
}

// Keeps `task` running every `interval` ms (slower when the tab is hidden); never two runs at once.
export function poll(task, interval = 3000, onState = () => {}) {
  let timer = null;
  let running = false;
  let stopped = false;
  async function tick() {
    if (running || stopped) return;
    running = true;
    clearTimeout(timer);
    try {
      await task();
      onState(null);
    } catch (err) {
      onState(err);
    } finally {
      running = false;
      if (!stopped) timer = setTimeout(tick, document.hidden ? interval * 3 : interval);
    }
  }
  document.addEventListener("visibilitychange", () => { if (!document.hidden) tick(); });
  tick();
  return { now: tick, stop() { stopped = true; clearTimeout(timer); } };
}
