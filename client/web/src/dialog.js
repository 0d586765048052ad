// Dialogs in the page instead of window.prompt / confirm: a native <dialog> opened with
// showModal(), so focus moves into it and stays there, Escape closes it (as Cancel) and focus
// returns to the control that opened it; Tab and Shift+Tab cycle through its controls.
// Resolves with true (confirm), the typed text (when it has a field), or null when cancelled.
import { h, field } from "./dom.js";

export function ask({ title, text = "", input = null, confirm = "OK", danger = false, multiline = false }) {
  return new Promise((resolve) => {
    const opener = document.activeElement;
    const control = input
      ? h(multiline ? "textarea" : "input", { type: multiline ? undefined : "text", rows: multiline ? 3 : undefined, value: input.value || "", maxlength: input.maxlength || 2000 })
      : null;
    const heading = h("h2", { text: title });
    heading.id = `dialog-${Math.random().toString(36).slice(2)}`;
    const ok = h("button", { type: "submit", class: danger ? "danger" : "", text: confirm });
    const cancel = h("button", { type: "button", class: "secondary", text: "Cancel" });
    const form = h(
      "form",
      { method: "dialog" },
      heading,
      text ? h("p", { text }) : null,
      control ? field(input.label, control) : null,
      h("div", { class: "dialog-actions" }, cancel, ok),
    );
    const dialog = h("dialog", { class: "dialog", "aria-labelledby": heading.id }, form);
    let answer = null;
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (control && input.required && !control.value.trim()) return control.focus();
      answer = control ? control.value : true;
      dialog.close();
    });
    cancel.addEventListener("click", () => dialog.close());
    // showModal() makes the page behind inert, but Tab past the last control still leaves for
    // the browser's own UI: wrap it inside the dialog, both ways.
    dialog.addEventListener("keydown", (e) => {
      if (e.key !== "Tab") return;
      const stops = [...dialog.querySelectorAll("button, input, textarea, select, a[href]")].filter((el) => !el.disabled);
      const [first, last] = [stops[0], stops[stops.length - 1]];
      if (e.shiftKey && document.activeElement === first) (e.preventDefault(), last.focus());
      else if (!e.shiftKey && document.activeElement === last) (e.preventDefault(), first.focus());
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    (control || ok).focus();
  });
}
