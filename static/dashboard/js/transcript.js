// How a message looks in a transcript (chat page and archive); visitor text only ever via textContent.
import { empty, fmtDateTime, h, tag } from "./dom.js";

const WHO = { USER: "Visitatore", BOT: "Assistente AI", OPERATOR: "Operatore", SYSTEM: "Sistema" };

function sourcesOf(message) {
  const sources = (message.metadata && message.metadata.sources) || [];
  if (!sources.length) return null;
  return h("div", { class: "msg-sources" }, "Fonti: ",
    sources.map((source) => tag("source", typeof source === "string" ? source : source.title || `#${source.id}`)));
}

export function messageNode(message) {
  const meta = message.metadata || {};
  const who = message.sender === "OPERATOR" ? meta.operatorName || WHO.OPERATOR : WHO[message.sender] || message.sender;
  return h("div", { class: `msg msg-${message.sender}`, "data-message-id": message.id, "data-sender": message.sender },
    h("div", { class: "msg-who" }, h("span", { text: who }),
      h("time", { datetime: message.timestamp, text: fmtDateTime(message.timestamp) }),
      message.sender === "BOT" && meta.provider ? h("span", { text: meta.provider }) : null),
    h("div", { class: "msg-body", text: message.message }),
    message.sender === "BOT" ? sourcesOf(message) : null);
}

export function transcriptNodes(messages) {
  return messages.length ? messages.map(messageNode) : [empty("Nessun messaggio.", "")];
}
