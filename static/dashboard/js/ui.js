// Feedback shared by every page: toasts and the "live" indicator in the top bar.
import { h } from "./dom.js";

export function toast(message, kind = "info") {
  const box = document.querySelector("[data-toasts]");
  if (!box) return;
  const node = h("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status", text: message });
  box.append(node);
  setTimeout(() => node.remove(), kind === "error" ? 6000 : 3500);
}

const clock = new Intl.DateTimeFormat("it-IT", { hour: "2-digit", minute: "2-digit", second: "2-digit" });

export function liveState(err) {
  const box = document.querySelector("[data-live-status]");
  if (!box) return;
  box.classList.toggle("ok", !err);
  box.classList.toggle("error", Boolean(err));
  box.querySelector("[data-live-text]").textContent = err
    ? "Aggiornamento non riuscito, riprovo…" : `Aggiornato alle ${clock.format(new Date())}`;
}

export async function withBusy(button, action) {
  if (button) button.disabled = true;
  try {
    return await action();
  } catch (err) {
    toast(err.message || "Operazione non riuscita.", "error");
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}
