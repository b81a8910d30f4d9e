// Calendar: tonight's status in one click, the season plan, and overrides for other dates.
import { api } from "./api.js";
import { $, empty, failure, fmtDate, h, replace } from "./dom.js";
import { toast, withBusy } from "./ui.js";

const DAY = {
  OPEN: ["Aperto", "Si entra con il biglietto dello slot"],
  SOLD_OUT: ["Esaurito", "Biglietti finiti per stasera"],
  CANCELLED: ["Annullato (maltempo)", "Chi ha il biglietto riceve un codice per un'altra data"],
  CLOSED: ["Chiuso", "Serata di chiusura"],
};
let calendar = null;

async function setDay(date, status, note, control) {
  const body = { status };
  if (note) body.note = note;
  const done = await withBusy(control, () => api(`/api/calendar/overrides/${date}`, { method: "PUT", body }));
  if (done === undefined) return;
  toast(`${fmtDate(date)}: ${DAY[status][0]}.`, "ok");
  await load();
}

async function clearDay(date, control) {
  const done = await withBusy(control, () => api(`/api/calendar/overrides/${date}`, { method: "DELETE" }));
  if (done === undefined) return;
  toast(`${fmtDate(date)}: torna al calendario della stagione.`, "ok");
  await load();
}

function renderTonight() {
  const today = calendar.today || {};
  const override = (calendar.overrides || []).find((o) => o.date === today.date);
  $("[data-tonight-date]").textContent = fmtDate(today.date);
  const note = h("input", { maxlength: "300", value: (override && override.note) || "", "aria-label": "Nota per i visitatori", "data-tonight-note": "" });
  const buttons = Object.entries(DAY).map(([status, [label, hint]]) => {
    const button = h("button", { type: "button", class: "day-btn", "aria-pressed": String(today.status === status), "data-day-status": status },
      label, h("span", { text: hint }));
    button.addEventListener("click", () => setDay(today.date, status, note.value.trim(), button));
    return button;
  });
  const reset = h("button", { type: "button", class: "btn btn-ghost btn-sm", text: "Torna al calendario della stagione", hidden: !override });
  reset.addEventListener("click", () => clearDay(today.date, reset));
  replace($("[data-tonight]"),
    h("div", {}, h("div", { class: "stat-label", text: "Stato attuale" }),
      h("div", { class: "tonight-status", "data-tonight-status": today.status, text: (DAY[today.status] || [today.status])[0] }),
      today.note ? h("div", { class: "stat-note", text: today.note }) : null),
    h("div", { class: "day-buttons" }, buttons),
    h("label", {}, "Nota per i visitatori (facoltativa)", note),
    h("div", {}, reset));
}

function renderSeason() {
  const { season = {}, hours = {}, closedDates = [], timezone } = calendar;
  replace($("[data-season]"), h("dl", { class: "facts" },
    h("dt", { text: "Dal" }), h("dd", { text: fmtDate(season.start) }),
    h("dt", { text: "Al" }), h("dd", { text: fmtDate(season.end) }),
    h("dt", { text: "Orario" }), h("dd", { text: `${hours.open || "—"}–${hours.close || "—"}` }),
    h("dt", { text: "Ultimo ingresso" }), h("dd", { text: hours.lastEntry || "—" }),
    h("dt", { text: "Chiuso il" }), h("dd", { text: closedDates.map(fmtDate).join(", ") || "—" }),
    h("dt", { text: "Fuso" }), h("dd", { text: timezone || "—" })));
}

function renderOverrides() {
  const box = $("[data-overrides]");
  const overrides = calendar.overrides || [];
  if (!overrides.length) { replace(box, empty("Nessuna eccezione.", "Il calendario della stagione vale per tutte le date.")); return; }
  replace(box, h("table", { class: "table" },
    h("thead", {}, h("tr", {}, ["Data", "Stato", "Nota", ""].map((t) => h("th", { scope: "col", text: t })))),
    h("tbody", {}, overrides.map((o) => {
      const remove = h("button", { type: "button", class: "btn btn-danger btn-sm", text: "Rimuovi" });
      remove.addEventListener("click", () => clearDay(o.date, remove));
      return h("tr", {}, h("td", { text: fmtDate(o.date) }), h("td", { text: (DAY[o.status] || [o.status])[0] }),
        h("td", { text: o.note || "" }), h("td", {}, remove));
    }))));
}

async function load() {
  try {
    calendar = await api("/api/calendar");
  } catch (err) {
    replace($("[data-tonight]"), failure(err));
    return;
  }
  renderTonight();
  renderSeason();
  renderOverrides();
}

$("[data-override-form]").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  setDay(form.elements.date.value, form.elements.status.value, form.elements.note.value.trim(), form.querySelector("button"));
});
load();
