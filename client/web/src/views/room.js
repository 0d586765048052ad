// The live room: documents + editor, people, chat (and Q&A once the server has sessions).
// Joins over the shared connection; after a reconnect it rejoins with chat_after = the last
// message seen, so the chat catches up with exactly what was missed.
import { h, mount } from "../dom.js";
import { auth } from "../auth.js";
import { put, del } from "../api.js";
import { SalonError, describe } from "../errors.js";
import { toast, showError, announce } from "../toasts.js";
import { presencePanel } from "../room/presence.js";
import { chatPanel } from "../room/chat.js";
import { docsPanel } from "../room/docs.js";
import { qaPanel } from "../room/qa.js";
import { renderMarkdown, setMembers } from "../markdown.js";
import { ask } from "../dialog.js";
import { followToggle, tagChip } from "../follows.js";

const PHONE = "(max-width: 700px)"; // as in app.css

export function roomView({ app, params }) {
  const roomId = params.roomId;
  const el = h("section", { class: "room" }, h("p", { class: "muted", role: "status", text: "Joining the room…" }));
  const state = { room: null, role: null, hand: false, joined: false, gone: false };
  const conn = () => app.conn;
  const me = () => auth.user || { user_id: "", name: auth.guestName || "me" };
  const isHost = () => state.role === "host";
  const canSend = () => state.role !== null && state.role !== "viewer";
  const cleanups = [];
  let ui = null;

  function fatal(error) {
    state.gone = true;
    ui?.docs.destroy();
    mount(
      el,
      h("div", { class: "card", role: "alert" },
        h("h1", { text: "You cannot be in this room" }),
        h("p", { text: describe(error) }),
        h("a", { href: "/", "data-link": true, text: "Back to the lobby" })),
    );
  }

  function build() {
    const handButton = h("button", { type: "button", "aria-pressed": "false", text: "✋ Raise hand", onclick: toggleHand });
    const roleBadge = h("span", { class: "badge" });
    const title = h("h1", {});
    const description = h("p", { class: "muted" });
    const roomTags = h("p", { class: "meta room-tags" });
    const share = h("input", { type: "text", readonly: true, value: location.origin + `/rooms/${encodeURIComponent(roomId)}`, "aria-label": "Link to this room", class: "share" });
    const people = presencePanel({ me, isHost, onRole: changeRole, onRemove: removePerson });
    const chat = chatPanel({ conn: conn(), roomId, me, canSend, isHost, onUnread: (n) => setBadge("chat", n) });
    const docs = docsPanel({ roomId, me, canEdit: canSend });
    const liveBadge = h("span", { class: "badge live-badge", hidden: true, text: "LIVE" });
    const qa = qaPanel({
      app, roomId, me, role: () => state.role, onBadge: (n) => setBadge("qa", n),
      onSession: (s) => {
        liveBadge.hidden = !s;
        liveBadge.title = s ? `Live session: ${s.title}` : "";
      },
    });
    const copy = h("button", { type: "button", class: "secondary", text: "Copy link", onclick: () => copyLink(share) });
    // On a phone the document is one more tab (the tab bar sits at the bottom of the screen):
    // otherwise chat and Q&A would sit below the whole document.
    const panels = {
      docs: { label: "Document", body: null, phoneOnly: true },
      chat: { label: "Chat", body: chat.el },
      qa: { label: "Q&A", body: qa.el },
      people: { label: "People", body: people.el },
    };
    const tabs = h("div", { class: "tabs room-tabs", role: "tablist", "aria-label": "Room panels" });
    const bodies = h("div", { class: "panel-bodies" });
    const badges = {};
    for (const [key, panel] of Object.entries(panels)) {
      badges[key] = h("span", { class: key === "people" ? "count neutral" : "count", hidden: true });
      panel.tab = h("button", { type: "button", role: "tab", id: `tab-${key}`, "aria-controls": `panel-${key}`, class: panel.phoneOnly ? "phone-only" : "", onclick: () => select(key) }, panel.label, " ", badges[key]);
      tabs.append(panel.tab);
      if (panel.phoneOnly) continue;
      panel.box = h("div", { role: "tabpanel", id: `panel-${key}`, "aria-labelledby": `tab-${key}`, class: `panel panel-${key}` }, panel.body);
      bodies.append(panel.box);
    }
    const docsBox = h("div", { role: "tabpanel", id: "panel-docs", "aria-labelledby": "tab-docs", class: "docs-pane" }, docs.el);
    const phone = matchMedia(PHONE);
    let side = "chat"; // the side panel shown beside the document on a wide screen
    let current = null;
    function select(key) {
      if (key === "docs" && !phone.matches) key = side;
      if (key !== "docs") side = key;
      current = key;
      for (const [k, p] of Object.entries(panels)) {
        p.tab.setAttribute("aria-selected", String(k === key));
        p.tab.tabIndex = k === key ? 0 : -1;
        if (p.box) p.box.hidden = k !== side;
      }
      el.dataset.pane = key;
      // Only what is on screen counts as read: the side panel is hidden behind the document tab.
      chat.setVisible(key === "chat");
      qa.setVisible?.(key === "qa");
    }
    const resized = () => select(current === "docs" ? "docs" : side);
    phone.addEventListener("change", resized);
    cleanups.push(() => phone.removeEventListener("change", resized));
    tabs.addEventListener("keydown", (e) => {
      const keys = Object.keys(panels).filter((k) => k !== "docs" || phone.matches);
      const i = keys.findIndex((k) => panels[k].tab === document.activeElement);
      // A roving tablist (WAI-ARIA tabs pattern): arrows wrap, Home and End jump to the ends.
      const step = { ArrowRight: 1, ArrowLeft: keys.length - 1 }[e.key];
      if (i < 0 || (step === undefined && e.key !== "Home" && e.key !== "End")) return;
      e.preventDefault();
      const next = e.key === "Home" ? keys[0] : e.key === "End" ? keys[keys.length - 1] : keys[(i + step) % keys.length];
      select(next);
      panels[next].tab.focus();
    });
    function setBadge(key, n) {
      badges[key].hidden = !n;
      badges[key].textContent = n ? String(n) : "";
      badges[key].setAttribute("aria-label", key === "people" ? `${n} here` : `${n} unread`);
    }
    select(phone.matches ? "docs" : "chat");

    mount(
      el,
      h("header", { class: "room-head" },
        h("div", {}, h("div", { class: "title-row" }, title, liveBadge, followToggle("room", roomId, { label: "this room" })), roomTags, description, anytimeLinks(roomId)),
        h("div", { class: "room-actions" }, roleBadge, handButton, h("div", { class: "share-row" }, share, copy))),
      h("div", { class: "room-body" }, docsBox, h("aside", { class: "side", "aria-label": "People, chat and questions" }, tabs, bodies)),
    );
    return { title, description, roomTags, roleBadge, handButton, people, chat, docs, qa, setBadge, select };
  }

  function showRoom() {
    ui.title.textContent = state.room.title;
    ui.description.textContent = state.room.description || "";
    mount(ui.roomTags, (state.room.tags || []).map((t) => tagChip(t)));
    ui.roleBadge.textContent = state.role;
    ui.roleBadge.className = `badge role-${state.role}`;
    ui.handButton.setAttribute("aria-pressed", String(state.hand));
    ui.handButton.textContent = state.hand ? "✋ Lower hand" : "✋ Raise hand";
    document.title = `${state.room.title} · Salon`;
    ui.setBadge("people", ui.people.count);
    known(ui.people.all);
  }

  // Who can be @mentioned: everyone seen here (present now, or who wrote in the chat).
  const names = new Map();
  function known(people) {
    let changed = false;
    for (const p of people) {
      if (p.user_id && p.name && names.get(p.user_id) !== p.name) {
        names.set(p.user_id, p.name);
        changed = true;
      }
    }
    if (changed) setMembers([...names].map(([user_id, name]) => ({ user_id, name })));
  }

  // A new message naming me notifies me (a toast, announced), wherever I am in the room.
  function chatArrived(m) {
    known([m]);
    ui.chat.arrived(m);
    if (m.user_id === me().user_id || m.deleted) return;
    announce(`${m.name}: ${m.body.slice(0, 200)}`);
    if (renderMarkdown(m.body).mentioned.has(me().user_id)) toast(`${m.name} mentioned you in the chat.`);
  }

  async function join({ resume = false } = {}) {
    const payload = { room_id: roomId };
    if (resume && ui) payload.chat_after = ui.chat.lastSeq;
    let ack;
    try {
      ack = await conn().request("room:join", payload);
    } catch (error) {
      if (["offline", "timeout"].includes(error.code)) {
        // Not refused, just unreachable: the next reconnect ("resumed") joins again.
        if (!ui) mount(el, h("p", { class: "error", role: "alert", text: describe(error) }));
        return;
      }
      return fatal(error);
    }
    state.room = ack.room;
    const previousRole = state.role;
    state.role = ack.role;
    state.joined = true;
    const first = !ui;
    // Changed while we were away (no role:changed reaches a disconnected socket).
    if (!first && previousRole !== ack.role) roleChanged(ack.role);
    if (first) ui = build();
    const mine = ack.presence.find((p) => p.user_id === me().user_id);
    state.hand = Boolean(mine?.hand_raised);
    ui.people.set(ack.presence);
    known(ack.chat?.messages || []);
    if (resume && !first) ui.chat.catchUp(ack.chat);
    else ui.chat.load(ack.chat, { reset: true });
    showRoom();
    if (first) {
      ui.chat.refreshRole();
      ui.docs.start();
      ui.qa.start?.();
    } else {
      ui.qa.resume?.();
    }
  }

  function roleChanged(role) {
    state.role = role;
    toast(`Your role in this room is now ${role}.`);
    ui.chat.refreshRole();
    ui.docs.refreshRole();
    ui.people.render();
    ui.qa.refreshRole?.();
    showRoom();
  }

  async function copyLink(input) {
    try {
      await navigator.clipboard.writeText(input.value);
      toast("Link copied.");
    } catch {
      // No clipboard permission (an insecure origin): select it for Ctrl+C instead.
      input.focus();
      input.select();
      toast("Press Ctrl+C (or ⌘C) to copy the selected link.");
    }
  }

  async function toggleHand() {
    try {
      const ack = await conn().request("presence:update", { room_id: roomId, hand_raised: !state.hand });
      state.hand = ack.presence.hand_raised;
      ui.people.upsert(ack.presence);
      showRoom();
    } catch (error) {
      showError(error, "Could not change your hand");
    }
  }

  async function changeRole(person, role, select) {
    try {
      await put(`/rooms/${encodeURIComponent(roomId)}/members/${encodeURIComponent(person.user_id)}`, { role });
      toast(`${person.name} is now ${role}.`);
    } catch (error) {
      select.value = person.role;
      showError(error, `Could not change ${person.name}'s role`);
    }
  }

  async function removePerson(person) {
    const sure = await ask({ title: `Remove ${person.name} from this room?`, text: "They cannot come back unless a host re-adds them.", confirm: "Remove", danger: true });
    if (!sure) return;
    try {
      await del(`/rooms/${encodeURIComponent(roomId)}/members/${encodeURIComponent(person.user_id)}`);
      toast(`${person.name} was removed.`);
    } catch (error) {
      showError(error, `Could not remove ${person.name}`);
    }
  }

  function subscribe() {
    const c = conn();
    const forRoom = (fn) => (payload) => {
      if (ui && !state.gone && (!payload.room_id || payload.room_id === roomId)) fn(payload);
    };
    // Presence payloads carry no room id: this socket is in one room view at a time.
    cleanups.push(
      c.on("presence:joined", forRoom((p) => (ui.people.upsert(p), showRoom()))),
      c.on("presence:updated", forRoom((p) => {
        ui.people.upsert(p);
        if (p.user_id === me().user_id) state.hand = p.hand_raised;
        showRoom();
      })),
      c.on("presence:left", forRoom((p) => (ui.people.remove(p.user_id), showRoom()))),
      c.on("chat:message", forRoom(chatArrived)),
      c.on("chat:updated", forRoom((m) => ui.chat.updated(m))),
      c.on("chat:deleted", forRoom((e) => ui.chat.deleted(e))),
      c.on("chat:reactions", forRoom((e) => ui.chat.reactions(e))),
      c.on("role:changed", forRoom(({ role }) => roleChanged(role))),
      c.on("room:removed", forRoom(() => fatal(new SalonError("removed", "")))),
    );
    const resumed = () => !state.gone && join({ resume: true });
    c.addEventListener("resumed", resumed);
    cleanups.push(() => c.removeEventListener("resumed", resumed));
  }

  (async () => {
    try {
      await conn().ready();
    } catch (error) {
      return fatal(error);
    }
    subscribe();
    await join();
  })();

  return {
    el,
    destroy() {
      state.gone = true;
      for (const fn of cleanups) fn();
      ui?.docs.destroy();
      ui?.chat.destroy();
      ui?.qa.destroy?.();
      if (state.joined && app.conn?.socket.connected) app.conn.request("room:leave", { room_id: roomId }).catch(() => {});
      document.title = "Salon";
    },
  };
}

// Asking needs no live session: the room's queue and knowledge base are always a click away.
function anytimeLinks(roomId) {
  const id = encodeURIComponent(roomId);
  return h(
    "p",
    { class: "links anytime" },
    h("a", { href: `/ask?room=${id}`, "data-link": true, text: "Ask an expert" }),
    " · ",
    h("a", { href: `/queue/${id}`, "data-link": true, text: "Open questions" }),
    " · ",
    h("a", { href: `/kb/rooms/${id}`, "data-link": true, text: "Knowledge base" }),
  );
}
