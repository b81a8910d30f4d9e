// Stat tiles shared by the overview and the analytics page.
import { h } from "./dom.js";

export const pct = (value) => (value === null || value === undefined ? "—" : `${Math.round(value * 100)}%`);
export const num = (value, digits = 0) => (value === null || value === undefined ? "—"
  : Number(value).toLocaleString("it-IT", { maximumFractionDigits: digits }));

export function tile(label, value, note, { href, alert = false, key } = {}) {
  return h(href ? "a" : "div", { class: `stat${alert ? " alert" : ""}`, href, "data-stat": key },
    h("div", { class: "stat-label", text: label }),
    h("div", { class: "stat-value", text: value }),
    note ? h("div", { class: "stat-note", text: note }) : null);
}

export function dayTiles(stats) {
  const { today = {}, performance = {}, operators = {}, current = {}, sla = {} } = stats;
  const aiSeconds = performance.avgAiResponseMs === null || performance.avgAiResponseMs === undefined
    ? "—" : `${num(performance.avgAiResponseMs / 1000, 1)} s`;
  return [
    tile("Chat", num(today.totalChats), "iniziate nel giorno", { key: "totalChats" }),
    tile("Risolte dall'AI", num(today.aiResolved), `${pct(performance.aiResolutionRate)} delle chat`, { key: "aiResolved" }),
    tile("Richieste operatore", num(today.escalated), "escalation", { key: "escalated" }),
    tile("Abbandonate", num(today.abandoned), "senza risposta umana", { key: "abandoned", alert: today.abandoned > 0 }),
    tile("Ticket creati", num(today.ticketsCreated), null, { key: "ticketsCreated" }),
    tile("Risposta AI", aiSeconds, "tempo medio", { key: "avgAiResponse" }),
    tile("Prima risposta operatore", performance.avgOperatorFirstResponseSeconds === null || performance.avgOperatorFirstResponseSeconds === undefined
      ? "—" : `${num(performance.avgOperatorFirstResponseSeconds)} s`, "tempo medio", { key: "firstResponse" }),
    tile("Soddisfazione", performance.satisfaction ? `${num(performance.satisfaction, 1)}/5` : "—",
      performance.ratings ? `${performance.ratings} valutazioni` : "nessuna valutazione", { key: "satisfaction" }),
    tile("Operatori online", num(operators.online), `carico medio ${num(operators.avgLoad, 1)}`, { key: "online" }),
    tile("In coda ora", num(current.queueLength), `${num(current.activeChats)} chat aperte`, { key: "queue" }),
    tile("SLA rispettato", pct(sla.complianceRate), `${num(sla.ticketsOpen)} aperti, ${num(sla.ticketsBreached)} scaduti`,
      { key: "sla", alert: sla.ticketsBreached > 0 }),
  ];
}
