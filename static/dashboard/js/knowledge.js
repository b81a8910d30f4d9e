// Knowledge base editor: entries grouped by slug, each with its it/en/de wording, searchable, (de)activable.
import { api } from "./api.js";
import { $, LANGUAGE, empty, failure, h, loading, replace } from "./dom.js";
import { showError } from "./forms.js";
import { toast, withBusy } from "./ui.js";

const LANGUAGES = ["it", "en", "de"];
const filters = $("[data-kb-filters]");
const listBox = $("[data-kb-list]");
const editorBox = $("[data-kb-editor]");
let groups = new Map();
let selected = null;
let categoriesLoaded = false;

function groupBySlug(items) {
  const map = new Map();
  items.forEach((item) => {
    const slug = item.slug || `item-${item.id}`;
    if (!map.has(slug)) map.set(slug, {});
    map.get(slug)[item.language] = item;
  });
  return map;
}

function title(group) {
  const item = group.it || group.en || group.de || Object.values(group)[0];
  return item ? item.question : "";
}

function fillCategories(items) {
  if (categoriesLoaded) return;
  categoriesLoaded = true;
  [...new Set(items.map((item) => item.category))].sort().forEach((category) => {
    filters.elements.category.append(h("option", { value: category, text: category }));
  });
}

function row(slug, group) {
  const any = Object.values(group)[0];
  const tr = h("tr", { class: `clickable${slug === selected ? " selected" : ""}`, tabindex: "0", "data-kb-slug": slug },
    h("td", {}, h("strong", { text: title(group) }), h("div", { class: "stat-note mono", text: slug })),
    h("td", { text: any.category }),
    h("td", {}, LANGUAGES.map((lang) => h("span", {
      class: `tag ${group[lang] ? (group[lang].isActive ? "tag-RESOLVED" : "tag-CANCELLED") : ""}`,
      title: group[lang] ? (group[lang].isActive ? "attiva" : "disattivata") : "mancante", text: lang.toUpperCase() }))));
  tr.addEventListener("click", () => openGroup(slug));
  tr.addEventListener("keydown", (event) => { if (event.key === "Enter") openGroup(slug); });
  return tr;
}

const fold = (text) => String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();

function matches(group, q, category) {
  const items = Object.values(group);
  if (category && !items.some((item) => item.category === category)) return false;
  return !q || items.some((item) => fold([item.question, item.answer, (item.keywords || []).join(" "), item.slug].join(" ")).includes(q));
}

// The whole KB is small: load every language at once, so a search in one language still shows (and edits)
// the other wordings of the same entry instead of offering to create them again.
async function load() {
  replace(listBox, loading());
  let data;
  try {
    data = await api("/api/knowledge");
  } catch (err) {
    replace(listBox, failure(err));
    return;
  }
  const items = data.items || [];
  fillCategories(items);
  const q = fold(filters.elements.q.value.trim());
  const category = filters.elements.category.value;
  groups = new Map([...groupBySlug(items)].filter(([, group]) => matches(group, q, category)));
  $("[data-kb-count]").textContent = String(groups.size);
  if (!groups.size) { replace(listBox, empty("Nessuna voce trovata.", "")); return; }
  replace(listBox, h("table", { class: "table" },
    h("thead", {}, h("tr", {}, ["Domanda", "Categoria", "Lingue"].map((t) => h("th", { scope: "col", text: t })))),
    h("tbody", {}, [...groups.entries()].map(([slug, group]) => row(slug, group)))));
}

function languageForm(slug, lang, item, categoryInput) {
  const question = h("textarea", { rows: "2", maxlength: "2000", required: true, name: "question" });
  const answer = h("textarea", { rows: "5", maxlength: "5000", required: true, name: "answer" });
  const keywords = h("input", { name: "keywords", maxlength: "1000", placeholder: "parole chiave separate da virgole" });
  const active = h("input", { type: "checkbox", name: "isActive" });
  question.value = item ? item.question : "";
  answer.value = item ? item.answer : "";
  keywords.value = item ? (item.keywords || []).join(", ") : "";
  active.checked = item ? item.isActive : true;
  const error = h("p", { class: "field-error", hidden: true });
  const save = h("button", { type: "submit", class: "btn btn-primary btn-sm", text: item ? "Salva" : `Aggiungi ${LANGUAGE[lang]}` });
  const remove = item ? h("button", { type: "button", class: "btn btn-danger btn-sm", text: "Elimina" }) : null;
  const form = h("form", { class: "panel panel-body form-grid", "data-kb-language": lang },
    h("h3", { text: LANGUAGE[lang] }), h("label", {}, "Domanda", question), h("label", {}, "Risposta", answer),
    h("label", {}, "Parole chiave", keywords), h("label", {}, active, "Attiva (l'assistente la usa)"), error,
    h("div", { class: "actions" }, save, remove));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError(error, null);
    const body = { question: question.value.trim(), answer: answer.value.trim(), isActive: active.checked,
      keywords: keywords.value.split(",").map((k) => k.trim()).filter(Boolean), category: categoryInput.value.trim() || "general" };
    await withBusy(save, async () => {
      try {
        if (item) await api(`/api/knowledge/${item.id}`, { method: "PATCH", body });
        else await api("/api/knowledge", { method: "POST", body: { ...body, language: lang, ...(slug ? { slug } : {}) } });
        toast("Voce salvata: l'assistente la usa da subito.", "ok");
        await load();
        reopen(slug, body.question);
      } catch (err) {
        showError(error, err);
      }
    });
  });
  if (remove) {
    remove.addEventListener("click", async () => {
      if (remove.dataset.confirm !== "1") { remove.dataset.confirm = "1"; remove.textContent = "Conferma eliminazione"; return; }
      const done = await withBusy(remove, () => api(`/api/knowledge/${item.id}`, { method: "DELETE" }));
      if (done === undefined) return;
      toast("Voce eliminata.", "ok");
      await load();
      reopen(slug);
    });
  }
  return form;
}

function reopen(slug, question) {
  const found = slug && groups.has(slug) ? slug : [...groups.keys()].find((key) => title(groups.get(key)) === question);
  if (found) openGroup(found);
  else replace(editorBox, empty("Seleziona una voce", "o creane una nuova."));
}

function openGroup(slug) {
  selected = slug;
  listBox.querySelectorAll("tr[data-kb-slug]").forEach((tr) => tr.classList.toggle("selected", tr.dataset.kbSlug === slug));
  const group = slug ? groups.get(slug) || {} : {};
  const any = Object.values(group)[0];
  const realSlug = any && any.slug ? any.slug : null;
  const category = h("input", { maxlength: "40", value: any ? any.category : "general", "aria-label": "Categoria" });
  $("[data-kb-edit-title]").textContent = slug ? `Modifica: ${title(group)}` : "Nuova voce";
  replace(editorBox, h("label", {}, "Categoria (per tutte le lingue)", category),
    (slug ? LANGUAGES : ["it"]).map((lang) => languageForm(realSlug, lang, group[lang], category)));
}

filters.addEventListener("submit", (event) => { event.preventDefault(); load(); });
filters.elements.category.addEventListener("change", load);
$("[data-kb-new]").addEventListener("click", () => openGroup(null));
load();
