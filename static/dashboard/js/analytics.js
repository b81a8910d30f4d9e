// Analytics: the chosen day's numbers and the 14-day charts.
import { api } from "./api.js";
import { $, $$, failure, fmtDate, replace } from "./dom.js";
import { barChart, lineChart } from "./charts.js";
import { dayTiles } from "./stats.js";
import "./shell.js";

const form = $("[data-stats-form]");
const dateInput = $("[data-stats-date]");
const params = new URLSearchParams(window.location.search);
if (params.get("date")) dateInput.value = params.get("date");

async function loadStats() {
  const box = $("[data-stats]");
  try {
    const stats = await api("/api/analytics/stats", { query: { date: dateInput.value } });
    $("[data-day-title]").textContent = dateInput.value ? `Giorno ${fmtDate(dateInput.value)}` : "Oggi";
    replace(box, dayTiles(stats));
  } catch (err) {
    replace(box, failure(err));
  }
}

const CHARTS = {
  chats: (points) => barChart(points, { label: "Chat al giorno, ultimi 14 giorni" }),
  escalations: (points) => barChart(points, { label: "Richieste di operatore al giorno" }),
  tickets: (points) => barChart(points, { label: "Ticket creati al giorno" }),
  csat: (points) => lineChart(points, { label: "Soddisfazione media (1-5)", max: 5 }),
  aiResolutionRate: (points) => lineChart(points, { label: "Chat risolte dall'AI (%)", max: 1, format: (v) => `${Math.round(v * 100)}%` }),
};

async function loadChart(figure) {
  const metric = figure.dataset.chart;
  const body = $("[data-chart-body]", figure);
  try {
    const data = await api("/api/analytics/timeseries", { query: { metric, days: 14 } });
    replace(body, CHARTS[metric](data.points || []));
  } catch (err) {
    replace(body, failure(err));
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const url = new URL(window.location.href);
  if (dateInput.value) url.searchParams.set("date", dateInput.value); else url.searchParams.delete("date");
  window.history.replaceState(null, "", url);
  loadStats();
});
loadStats();
$$("[data-chart]").forEach(loadChart);
setInterval(loadStats, 30000);
