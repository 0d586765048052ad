// Document tabs and the collaborative editor of the selected one.
import { h, mount } from "../dom.js";
import { auth } from "../auth.js";
import { get, post } from "../api.js";
import { SalonError, describe } from "../errors.js";
import { showError } from "../toasts.js";
import { openDocument, TEXT_FIELD } from "../editor.js";
import { renderMarkdown } from "../markdown.js";

const DEFAULT_DOC = "notes";
const STATUS = {
  connecting: "Connecting…",
  syncing: "Syncing…",
  synced: "Saved and in sync",
  disconnected: "Offline: your edits are kept and sent when the connection returns",
  offline: "Offline: your edits are kept and sent when the connection returns",
};

export function docsPanel({ roomId, me, canEdit }) {
  const tabs = h("div", { class: "tabs", role: "tablist", "aria-label": "Documents" });
  const status = h("p", { class: "doc-status muted", role: "status" });
  const problem = h("p", { class: "error", role: "alert", hidden: true });
  const host = h("div", { class: "editor", role: "tabpanel" });
  // The rendered Markdown beside the editor, redrawn (at most once a frame) on every change.
  const preview = h("section", { class: "preview", "aria-label": "Preview" });
  const previewToggle = h("button", { type: "button", class: "link", "aria-pressed": "true", text: "Preview", onclick: () => showPreview(previewToggle.getAttribute("aria-pressed") !== "true") });
  const addForm = newDocForm();
  const panes = h("div", { class: "doc-panes with-preview" }, host, preview);
  const el = h("section", { class: "docs", "aria-label": "Documents" }, h("div", { class: "tabbar" }, tabs, h("div", { class: "doc-tools" }, previewToggle, addForm)), status, problem, panes);
  let unobserve = null;
  let frame = 0;

  function showPreview(on) {
    previewToggle.setAttribute("aria-pressed", String(on));
    preview.hidden = !on;
    panes.classList.toggle("with-preview", on);
    if (on) drawPreview();
  }

  function drawPreview() {
    frame = 0;
    if (preview.hidden || !editor) return;
    const text = editor.doc.getText(TEXT_FIELD).toString();
    preview.replaceChildren(text.trim() ? renderMarkdown(text, { me: me().user_id }).el : h("p", { class: "muted", text: "Nothing to preview yet." }));
  }

  function watch(doc) {
    unobserve?.();
    const ytext = doc.getText(TEXT_FIELD);
    const changed = () => (frame ||= requestAnimationFrame(drawPreview));
    ytext.observe(changed);
    unobserve = () => ytext.unobserve(changed);
    drawPreview();
  }
  let names = [];
  let current = null;
  let editor = null;

  function newDocForm() {
    const input = h("input", { type: "text", required: true, maxlength: 100, placeholder: "new document", "aria-label": "New document name" });
    return h(
      "form",
      {
        class: "new-doc",
        hidden: true,
        onsubmit: async (e) => {
          e.preventDefault();
          try {
            const { document } = await post(`/rooms/${encodeURIComponent(roomId)}/documents`, { name: input.value.trim() });
            input.value = "";
            if (!names.includes(document.name)) names.push(document.name);
            open(document.name);
          } catch (error) {
            showError(error, "Could not create the document");
          }
        },
      },
      input,
      h("button", { type: "submit", text: "Add" }),
    );
  }

  function renderTabs() {
    mount(
      tabs,
      names.map((name) =>
        h("button", {
          type: "button",
          role: "tab",
          "aria-selected": String(name === current),
          tabindex: name === current ? "0" : "-1",
          text: name,
          onclick: () => open(name),
          onkeydown: (e) => {
            const i = names.indexOf(name);
            const moves = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: names.length - 1 };
            const next = moves[e.key];
            if (next === undefined) return;
            e.preventDefault();
            const target = names[(next + names.length) % names.length];
            open(target);
            tabs.querySelector(`[aria-selected="true"]`)?.focus();
          },
        }),
      ),
    );
    addForm.hidden = !canEdit() || auth.isGuest;
  }

  function open(name) {
    if (name === current && editor) return;
    editor?.destroy();
    current = name;
    problem.hidden = true;
    mount(host);
    host.setAttribute("aria-label", `Document ${name}`);
    renderTabs();
    editor = openDocument({
      roomId,
      name,
      user: me(),
      readOnly: !canEdit(),
      parent: host,
      onStatus: (s) => (status.textContent = STATUS[s] || s),
      onError: (error) => {
        problem.textContent = `Document ${name}: ${describe(error)}`;
        problem.hidden = false;
      },
    });
    watch(editor.doc);
    status.textContent = STATUS.connecting;
  }

  async function start() {
    // Guests have no REST access: they get the room's default notes.
    if (auth.isGuest) {
      names = [DEFAULT_DOC];
    } else {
      try {
        const { documents } = await get(`/rooms/${encodeURIComponent(roomId)}/documents`);
        names = documents.map((d) => d.name);
      } catch (error) {
        if (error instanceof SalonError && error.details.missing_endpoint) {
          mount(host, h("p", { class: "muted notice", text: "Shared documents are not available on this server yet." }));
          addForm.hidden = true;
          return;
        }
        showError(error, "Could not list documents");
      }
      if (!names.length && !canEdit()) {
        // Viewers may only open existing documents; opening one would create it.
        mount(host, h("p", { class: "muted notice", text: "No shared documents in this room yet." }));
        return;
      }
      if (!names.length) names = [DEFAULT_DOC];
    }
    open(names[0]);
  }

  return {
    el,
    start,
    refreshRole() {
      if (!editor && canEdit() && !names.length) return start();
      editor?.setReadOnly(!canEdit());
      renderTabs();
    },
    get editor() {
      return editor;
    },
    destroy() {
      unobserve?.();
      editor?.destroy();
      editor = null;
    },
  };
}
