// Canned replies in the reply box: typing "/shortcut" suggests them; Enter/Tab or a click inserts the text.
import { api } from "./api.js";
import { h, replace } from "./dom.js";

const normal = (shortcut) => String(shortcut || "").replace(/^\//, "").toLowerCase();

function tokenAtCaret(input) {
  const before = input.value.slice(0, input.selectionStart);
  const match = before.match(/(^|\s)\/([^\s/]*)$/);
  return match ? { query: match[2].toLowerCase(), start: before.length - match[2].length - 1 } : null;
}

export function setupCanned(input, list, languageOf) {
  let replies = [];
  let matches = [];
  let active = 0;
  api("/api/canned-replies").then((data) => { replies = (data && (data.cannedReplies || data.items)) || (Array.isArray(data) ? data : []); })
    .catch(() => { replies = []; });

  function close() { list.hidden = true; matches = []; }

  function insert(reply) {
    const token = tokenAtCaret(input);
    if (!token) return close();
    const end = input.selectionStart;
    input.value = input.value.slice(0, token.start) + reply.text + input.value.slice(end);
    const caret = token.start + reply.text.length;
    input.setSelectionRange(caret, caret);
    input.dispatchEvent(new Event("input"));
    close();
    input.focus();
  }

  function show() {
    list.hidden = false;
    replace(list, matches.map((reply, index) => {
      const item = h("li", { role: "option", "aria-selected": String(index === active) },
        h("span", { class: "mono", text: `/${normal(reply.shortcut)}` }), h("span", { text: reply.title || reply.text }));
      item.addEventListener("mousedown", (event) => { event.preventDefault(); insert(reply); });
      return item;
    }));
  }

  function update() {
    const token = tokenAtCaret(input);
    if (!token || !replies.length) return close();
    const language = languageOf() || "it";
    matches = replies.filter((reply) => normal(reply.shortcut).startsWith(token.query))
      .sort((a, b) => Number(b.language === language) - Number(a.language === language)).slice(0, 8);
    active = 0;
    if (!matches.length) return close();
    return show();
  }

  input.addEventListener("input", update);
  // Close a moment after the box loses focus (a click on a suggestion lands first), unless the focus came back
  // meanwhile: clicking Send and typing "/…" at once used to close the new list under the operator's Enter.
  input.addEventListener("blur", () => setTimeout(() => { if (document.activeElement !== input) close(); }, 150));
  input.addEventListener("keydown", (event) => {
    if (list.hidden || !matches.length) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      active = (active + (event.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length;
      show();
      event.preventDefault();
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      insert(matches[active]);
    } else if (event.key === "Escape") {
      close();
    }
  });
}
