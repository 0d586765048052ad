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

export function showError(error, prefix = "") {
  const text = describe(error);
  return toast(prefix ? `${prefix}: ${text}` : text, { kind: "error", timeout: 10000 });
}
