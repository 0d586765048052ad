// Dialogs in the page instead of window.prompt / confirm: a native <dialog> opened with
// showModal(), so focus moves into it and stays there, Escape closes it (as Cancel) and focus
// returns to the control that opened it. Resolves with true (confirm), the typed text (when
// it has a field), or null when cancelled.
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
