// Chat: history paging, live messages, edit/delete own, reactions, an unread marker, and an
// outbox so messages typed while offline are sent (once: client_id makes sends idempotent)
// after the reconnect. Chat seqs have no gaps per room: a live message that skips some means
// they were lost on the way (a node or the bus failed), so the panel fetches the missing
// range; a rejoin asks for everything after the last seq up to which nothing is missing and
// follows next_after until caught up.
import { h, mount, time } from "../dom.js";
import { SalonError, describe } from "../errors.js";
import { showError } from "../toasts.js";
import { renderMarkdown } from "../markdown.js";
import { ask } from "../dialog.js";

const REACTIONS = ["👍", "🎉", "❤️", "😂", "🤔", "❓"];
const PAGE = 50;
const CATCH_UP_PAGE = 200; // the most chat:history returns per call

export function chatPanel({ conn, roomId, me, canSend, isHost, onUnread }) {
  const messages = new Map(); // seq -> Message
  const items = new Map(); // seq -> <li>
  const outbox = new Map(); // client_id -> {body, li}
  let nextBefore = null;
  let complete = 0; // every seq up to this one is here
  const ahead = new Set(); // seqs that arrived past a gap
  let filling = false;
  let unread = 0;
  let marker = null; // the "New messages" divider
  let visible = true;

  const list = h("ol", { class: "messages", "aria-label": "Chat messages", tabindex: "0" });
  const earlier = h("button", { type: "button", class: "earlier", hidden: true, text: "Load earlier messages" });
  const scroller = h("div", { class: "scroller" }, earlier, list);
  const input = h("textarea", {
    rows: 2,
    maxlength: 4000,
    placeholder: "Write a message (Enter sends, Shift+Enter for a new line)",
    "aria-label": "Message",
  });
  const send = h("button", { type: "submit", text: "Send" });
  const composer = h("form", { class: "composer", onsubmit: (e) => (e.preventDefault(), submit()) }, input, send);
  const readonlyNote = h("p", { class: "muted", hidden: true, text: "Viewers can read the chat but not write." });
  const el = h("div", { class: "chat" }, scroller, readonlyNote, composer);

  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submit();
    }
  });
  earlier.addEventListener("click", loadEarlier);
  scroller.addEventListener("scroll", () => atBottom() && markRead());
  const onVisibility = () => !document.hidden && atBottom() && markRead();
  document.addEventListener("visibilitychange", onVisibility);

  function atBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 24;
  }

  function scrollToEnd() {
    scroller.scrollTop = scroller.scrollHeight;
  }

  function markRead() {
    if (!visible || document.hidden) return;
    if (unread) {
      unread = 0;
      onUnread?.(0);
    }
  }

  // --- rendering ---------------------------------------------------------------------------

  function render(message) {
    const mine = message.user_id === me().user_id;
    const li = h("li", { class: `msg${mine ? " mine" : ""}${message.deleted ? " deleted" : ""}`, "data-seq": message.seq });
    const head = h(
      "div",
      { class: "head" },
      h("strong", { text: message.name }),
      " ",
      time(message.created_at),
      message.edited_at && !message.deleted ? h("span", { class: "muted", text: " (edited)" }) : null,
    );
    const body = message.deleted
      ? h("p", { class: "body muted", text: "message deleted" })
      : renderMarkdown(message.body, { className: "body", me: me().user_id }).el;
    li.append(head, body);
    if (!message.deleted) li.append(reactionsRow(message), actions(message, mine, li, body));
    return li;
  }

  function reactionsRow(message) {
    const row = h("div", { class: "reactions" });
    for (const [emoji, users] of Object.entries(message.reactions || {})) {
      if (!users.length) continue;
      const mine = users.includes(me().user_id);
      row.append(
        h("button", {
          type: "button",
          class: "reaction",
          "aria-pressed": String(mine),
          "aria-label": `${emoji} ${users.length}${mine ? ", you reacted" : ""}`,
          disabled: !canSend(),
          text: `${emoji} ${users.length}`,
          onclick: () => react(message, emoji, !mine),
        }),
      );
    }
    return row;
  }

  function actions(message, mine, li, body) {
    const bar = h("div", { class: "actions" });
    if (canSend()) {
      const picker = h("div", { class: "picker", hidden: true, role: "group", "aria-label": "Reactions" });
      for (const emoji of REACTIONS) {
        picker.append(
          h("button", {
            type: "button",
            "aria-label": `React with ${emoji}`,
            text: emoji,
            onclick: () => {
              picker.hidden = true;
              react(message, emoji, true);
            },
          }),
        );
      }
      const toggle = h("button", {
        type: "button",
        class: "link",
        "aria-expanded": "false",
        text: "React",
        onclick: () => {
          picker.hidden = !picker.hidden;
          toggle.setAttribute("aria-expanded", String(!picker.hidden));
          if (!picker.hidden) picker.querySelector("button").focus();
        },
      });
      bar.append(toggle, picker);
    }
    // Viewers only read (docs/security.md): no Edit/Delete on their own older messages either.
    const ownWritable = mine && canSend();
    if (ownWritable) {
      bar.append(h("button", { type: "button", class: "link", text: "Edit", onclick: () => startEdit(message, li, body) }));
    }
    if (ownWritable || isHost()) {
      bar.append(h("button", { type: "button", class: "link danger", text: "Delete", onclick: () => remove(message) }));
    }
    return bar;
  }

  function startEdit(message, li, body) {
    const area = h("textarea", { rows: 2, value: message.body, "aria-label": "Edit message" });
    const form = h(
      "form",
      {
        class: "edit",
        onsubmit: async (e) => {
          e.preventDefault();
          try {
            const ack = await conn.request("chat:edit", { room_id: roomId, message_id: message.id, body: area.value });
            upsert(ack.message, { force: true });
          } catch (error) {
            showError(error, "Could not edit the message");
          }
        },
      },
      area,
      h("button", { type: "submit", text: "Save" }),
      h("button", { type: "button", class: "link", text: "Cancel", onclick: () => upsert(messages.get(message.seq), { force: true }) }),
    );
    body.replaceWith(form);
    area.focus();
    area.addEventListener("keydown", (e) => e.key === "Escape" && upsert(messages.get(message.seq), { force: true }));
  }

  function place(li, seq) {
    const old = items.get(seq);
    items.set(seq, li);
    if (old) return old.replaceWith(li);
    // Insert in seq order (usually at the end).
    let after = null;
    for (const [s, item] of items) if (s > seq && (!after || s < Number(after.dataset.seq))) after = item;
    list.insertBefore(li, after);
  }

  function upsert(message, { force = false } = {}) {
    if (!message || message.room_id !== roomId) return;
    messages.set(message.seq, message);
    // Someone is editing this message: keep their form; Save or Cancel shows the latest.
    if (!force && items.get(message.seq)?.querySelector("form.edit")) return;
    place(render(message), message.seq);
  }

  // --- incoming ----------------------------------------------------------------------------

  function advance(seq) {
    if (seq <= complete) return;
    ahead.add(seq);
    while (ahead.has(complete + 1)) {
      complete += 1;
      ahead.delete(complete);
    }
    if (ahead.size && !filling) fillGap();
  }

  // Fetch what is missing between `complete` and the messages that arrived past a gap.
  async function fillGap() {
    filling = true;
    try {
      while (ahead.size) {
        const before = complete;
        const page = await conn.request("chat:history", { room_id: roomId, after: before, limit: CATCH_UP_PAGE });
        for (const m of page.messages) arrived(m);
        if (complete === before) break; // not closed yet: the next live message tries again
      }
    } catch {
      // Offline: the rejoin after the reconnect asks for everything after `complete`.
    } finally {
      filling = false;
    }
  }

  function arrived(message) {
    if (!message || message.room_id !== roomId) return;
    advance(message.seq);
    const stick = atBottom();
    const isNew = !messages.has(message.seq);
    const pending = outbox.get(message.client_id);
    if (pending && message.user_id === me().user_id) {
      pending.li.remove();
      outbox.delete(message.client_id);
    }
    upsert(message);
    const fromOther = message.user_id !== me().user_id;
    if (isNew && fromOther && (!visible || document.hidden || !stick)) {
      unread += 1;
      if (!marker || !marker.isConnected) {
        marker = h("li", { class: "unread-marker", role: "separator", text: "New messages" });
        list.insertBefore(marker, items.get(message.seq));
      }
      onUnread?.(unread);
    }
    if (stick || !fromOther) scrollToEnd();
  }

  function load(page, { reset = false } = {}) {
    if (reset) {
      messages.clear();
      items.clear();
      mount(list);
      nextBefore = null;
      ahead.clear();
      complete = page.messages.length ? page.messages[page.messages.length - 1].seq : 0;
    }
    for (const m of page.messages) upsert(m);
    if (reset) {
      nextBefore = page.next_before;
      earlier.hidden = nextBefore === null || nextBefore === undefined;
      scrollToEnd();
    }
  }

  // After a reconnect: everything after `complete` (following next_after), then the outbox.
  async function catchUp(page) {
    for (const m of page.messages) arrived(m);
    let after = page.next_after;
    try {
      while (after !== null && after !== undefined) {
        const next = await conn.request("chat:history", { room_id: roomId, after, limit: CATCH_UP_PAGE });
        for (const m of next.messages) arrived(m);
        after = next.next_after;
      }
    } catch (error) {
      showError(error, "Could not load every missed message");
    }
    flushOutbox();
  }

  async function loadEarlier() {
    if (nextBefore === null) return;
    const before = scroller.scrollHeight - scroller.scrollTop;
    try {
      const page = await conn.request("chat:history", { room_id: roomId, before: nextBefore, limit: PAGE });
      for (const m of page.messages) upsert(m);
      nextBefore = page.next_before;
      earlier.hidden = nextBefore === null || nextBefore === undefined;
      scroller.scrollTop = scroller.scrollHeight - before;
    } catch (error) {
      showError(error, "Could not load earlier messages");
    }
  }

  // --- outgoing ----------------------------------------------------------------------------

  async function submit() {
    const body = input.value.trim();
    if (!body) return;
    const clientId = crypto.randomUUID();
    const li = h("li", { class: "msg mine pending" }, h("p", { class: "body", text: body }), h("small", { class: "muted", text: "Sending…" }));
    list.append(li);
    scrollToEnd();
    outbox.set(clientId, { body, li });
    input.value = "";
    marker?.remove();
    marker = null;
    await deliver(clientId);
  }

  async function deliver(clientId) {
    const item = outbox.get(clientId);
    if (!item) return;
    try {
      const ack = await conn.request("chat:send", { room_id: roomId, client_id: clientId, body: item.body });
      outbox.delete(clientId);
      item.li.remove();
      arrived(ack.message);
    } catch (error) {
      if (error instanceof SalonError && (error.code === "offline" || error.code === "timeout")) {
        item.li.querySelector("small").textContent = "Not sent yet: will send when you are back online.";
        return;
      }
      // Refused (rate limit, role, too long): give the text back so nothing typed is lost.
      outbox.delete(clientId);
      item.li.remove();
      if (!input.value) input.value = item.body;
      showError(error, "Message not sent");
    }
  }

  function flushOutbox() {
    for (const clientId of outbox.keys()) deliver(clientId);
  }

  async function react(message, emoji, on) {
    try {
      const ack = await conn.request("chat:react", { room_id: roomId, message_id: message.id, emoji, on });
      reactions(ack);
    } catch (error) {
      showError(error, "Could not react");
    }
  }

  async function remove(message) {
    if (!(await ask({ title: "Delete this message for everyone?", confirm: "Delete", danger: true }))) return;
    try {
      const ack = await conn.request("chat:delete", { room_id: roomId, message_id: message.id });
      upsert(ack.message, { force: true });
    } catch (error) {
      showError(error, "Could not delete the message");
    }
  }

  function reactions(event) {
    const message = messages.get(event.seq);
    if (message) upsert({ ...message, reactions: event.reactions });
  }

  function deleted(event) {
    const message = messages.get(event.seq);
    if (message) upsert({ ...message, deleted: true, body: "", reactions: {} });
  }

  function refreshRole() {
    const can = canSend();
    composer.hidden = !can;
    readonlyNote.hidden = can;
    for (const m of messages.values()) upsert(m);
  }

  return {
    el,
    load,
    catchUp,
    arrived,
    updated: upsert,
    deleted,
    reactions,
    refreshRole,
    get lastSeq() {
      return complete;
    },
    setVisible(v) {
      visible = v;
      if (v && atBottom()) markRead();
    },
    describeFailure: describe,
    destroy() {
      document.removeEventListener("visibilitychange", onVisibility);
    },
  };
}
