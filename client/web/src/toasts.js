// Visible, dismissable messages. Errors use role=alert so screen readers announce them.
import { h } from "./dom.js";
import { describe } from "./errors.js";

const region = () => document.getElementById("toasts");

export function toast(text, { kind = "info", timeout = 6000 } = {}) {
  const close = h("button", { type: "button", class: "icon", "aria-label": "Dismiss", text: "×" });
  const el = h(
    "div",
    { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" },
    h("span", { text }),
    close,
  );
  const remove = () => el.remove();
  close.addEventListener("click", remove);
  region().append(el);
  if (timeout) setTimeout(remove, timeout);
  return el;
}

// Screen readers hear new chat messages and questions from this polite live region (the
// lists themselves re-render too often to be live regions). Only the last few are kept.
export function announce(text) {
  const log = document.getElementById("announcer");
  if (!log) return;
  log.append(h("p", { text }));
  while (log.childElementCount > 5) log.firstElementChild.remove();
}

export function showError(error, prefix = "") {
  const text = describe(error);
  return toast(prefix ? `${prefix}: ${text}` : text, { kind: "error", timeout: 10000 });
}
