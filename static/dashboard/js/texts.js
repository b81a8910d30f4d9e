// Automated texts: one panel per key with its it/en/de wordings; placeholders are checked by the server on save.
import { api } from "./api.js";
import { $, LANGUAGE, empty, failure, fmtDateTime, h, replace } from "./dom.js";
import { toast, withBusy } from "./ui.js";

const LANGUAGES = ["it", "en", "de"];
const box = $("[data-texts]");
let texts = [];

function missingPlaceholders(text, placeholders) {
  return (placeholders || []).filter((name) => !text.includes(`{${name}}`));
}

function editor(item) {
  const area = h("textarea", { rows: "4", maxlength: "2000", "aria-label": `${item.key} ${item.language}`, "data-text-key": item.key, "data-text-language": item.language });
  area.value = item.text;
  const error = h("p", { class: "field-error", hidden: true });
  const save = h("button", { type: "submit", class: "btn btn-secondary btn-sm", text: "Salva" });
  const stamp = h("span", { class: "stat-note", text: item.updatedAt ? `Modificato ${fmtDateTime(item.updatedAt)}` : "" });
  const form = h("form", { class: "form-grid" },
    h("label", {}, LANGUAGE[item.language] || item.language, area), error, h("div", { class: "actions" }, save, stamp));
  area.addEventListener("input", () => {
    const missing = missingPlaceholders(area.value, item.placeholders);
    error.hidden = !missing.length;
    error.textContent = missing.length ? `Mancano: ${missing.map((n) => `{${n}}`).join(", ")}` : "";
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    await withBusy(save, async () => {
      try {
        const saved = await api(`/api/automated-texts/${encodeURIComponent(item.key)}/${item.language}`, { method: "PUT", body: { text: area.value } });
        Object.assign(item, saved);
        stamp.textContent = `Salvato ${fmtDateTime(saved.updatedAt)}`;
        toast("Testo salvato.", "ok");
      } catch (err) {
        error.textContent = Object.values(err.fields || {}).join("; ") || err.message;
        error.hidden = false;
      }
    });
  });
  return form;
}

function applyFilter() {
  const q = $("[data-text-filter]").elements.q.value.trim().toLowerCase();
  let visible = 0;
  box.querySelectorAll("[data-text-group]").forEach((group) => {
    const key = group.dataset.textGroup;
    const match = !q || key.includes(q) || texts.some((t) => t.key === key && t.text.toLowerCase().includes(q));
    group.hidden = !match;
    visible += match ? 1 : 0;
  });
  $("[data-no-match]", box).hidden = visible > 0;
}

function render() {
  const keys = [...new Set(texts.map((t) => t.key))].sort();
  if (!keys.length) { replace(box, empty("Nessun testo automatico.", "Esegui il seed per caricare i testi predefiniti.")); return; }
  replace(box, h("div", { "data-no-match": "", hidden: true }, empty("Nessun testo trovato.", "")), keys.map((key) => {
    const items = LANGUAGES.map((lang) => texts.find((t) => t.key === key && t.language === lang)).filter(Boolean);
    const placeholders = (items[0] && items[0].placeholders) || [];
    return h("section", { class: "panel", "data-text-group": key },
      h("div", { class: "panel-head" }, h("h2", { class: "mono", text: key }),
        h("span", { class: "placeholders", text: placeholders.length ? `Segnaposto: ${placeholders.map((p) => `{${p}}`).join(" ")}` : "Nessun segnaposto" })),
      h("div", { class: "panel-body text-grid" }, items.map(editor)));
  }));
}

async function load() {
  try {
    texts = (await api("/api/automated-texts")).texts || [];
  } catch (err) {
    replace(box, failure(err));
    return;
  }
  render();
}

$("[data-text-filter]").addEventListener("submit", (event) => event.preventDefault());
$("[data-text-filter]").elements.q.addEventListener("input", applyFilter);
load();
