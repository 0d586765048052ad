// Replay player over Salon's replay protocol (docs/protocol.md, "Replay"): the server plays an
// ended session on its clock (pace, pause, seek, speed, skip silence) and streams
// replay:state after each open/seek, then replay:event / replay:doc as they happened. The
// client only renders, interpolating the clock between status reports. Deep links:
// /replay/<session>?t=<offset ms> or ?seq=<n>.
import * as Y from "yjs";
import { h, field, mount, time, clock } from "../dom.js";
import { auth } from "../auth.js";
import { download } from "../api.js";
import { describe } from "../errors.js";
import { showError } from "../toasts.js";
import { TEXT_FIELD } from "../editor.js";
import { renderMarkdown } from "../markdown.js";
import { tagChip } from "../follows.js";

function reactionsOf(m) {
  const shown = Object.entries(m.reactions || {}).filter(([, users]) => users?.length);
  if (m.deleted || !shown.length) return null;
  return h("p", { class: "reactions", "aria-label": "Reactions" }, shown.map(([emoji, users]) => h("span", { class: "badge", text: `${emoji} ${users.length}` })));
}

const SPEEDS = [0.25, 0.5, 1, 2, 4, 8, 16];
const FRAME_MS = 200;

export function replayView(ctx) {
  const { app, params, query } = ctx;
  const el = h("section", { class: "replay" }, h("p", { class: "muted", role: "status", text: "Opening the replay…" }));
  if (auth.isGuest) {
    mount(el, h("p", { class: "muted", text: "Sign in with a token to replay sessions." }));
    return { el };
  }
  let player = null;
  let destroyed = false;

  (async () => {
    try {
      await app.conn.ready();
      player = await socketPlayer(el, app.conn, params.sessionId, query);
    } catch (error) {
      if (destroyed) return;
      mount(el, h("h1", { text: "Replay" }), h("p", { class: "error", role: "alert", text: `Could not open this session: ${describe(error)}` }));
    }
    if (destroyed) player?.close();
  })();

  return {
    el,
    destroy() {
      destroyed = true;
      player?.close();
    },
  };
}

async function socketPlayer(el, conn, sessionId, query) {
  const open = { session_id: sessionId, autoplay: false, speed: 1 };
  if (query.get("seq")) open.seq = Number(query.get("seq"));
  else if (query.get("t")) open.offset = Math.max(0, Math.round(Number(query.get("t")) || 0));

  // Events can follow the ack at once: listen before opening, keep what arrives early.
  let replayId = null;
  const early = [];
  const handlers = {};
  const offs = ["replay:state", "replay:event", "replay:doc", "replay:status", "replay:end"].map((name) =>
    conn.on(name, (payload) => {
      if (replayId === null) return early.push([name, payload]);
      if (payload.replay_id === replayId) handlers[name]?.(payload);
    }),
  );
  let ack;
  try {
    ack = await conn.request("replay:open", open);
  } catch (error) {
    offs.forEach((off) => off());
    throw error;
  }
  replayId = ack.replay_id;
  const { session } = ack;
  const duration = Math.max(1, ack.duration_ms);

  // --- state -------------------------------------------------------------------------------
  let chat = new Map();
  let questions = new Map();
  let people = new Map();
  const docs = new Map(); // name -> Y.Doc
  let docName = ack.documents[0] || null;
  let status = { offset: ack.offset, playing: false, speed: 1, skip_silence: false };
  let statusAt = performance.now();

  const now = () => {
    const elapsed = status.playing ? (performance.now() - statusAt) * status.speed : 0;
    return Math.min(duration, status.offset + elapsed);
  };

  // --- UI ----------------------------------------------------------------------------------
  const playButton = h("button", { type: "button", class: "play", text: "Play", onclick: () => request(status.playing ? "replay:pause" : "replay:resume") });
  const speedSelect = h("select", { onchange: () => setSpeed() }, SPEEDS.map((s) => h("option", { value: s, selected: s === 1, text: `${s}×` })));
  const skip = h("input", { type: "checkbox", onchange: () => setSpeed() });
  const slider = h("input", { type: "range", min: 0, max: duration, step: 100, value: ack.offset, "aria-label": "Session time" });
  const clockText = h("span", { class: "clock" });
  const markers = h("div", { class: "markers", role: "group", "aria-label": "Questions and answers on the timeline" });
  const docTabs = h("div", { class: "tabs", role: "tablist", "aria-label": "Documents" });
  const docText = h("pre", { class: "doc-text", "aria-label": "Document at this moment", tabindex: "0" });
  const chatList = h("ol", { class: "messages", "aria-label": "Chat at this moment" });
  const qaList = h("ol", { class: "questions", "aria-label": "Questions at this moment" });
  const present = h("p", { class: "muted replay-people" });
  let dragging = false;
  slider.addEventListener("input", () => {
    dragging = true;
    clockText.textContent = `${clock(Number(slider.value) / 1000)} / ${clock(duration / 1000)}`;
  });
  slider.addEventListener("change", () => {
    dragging = false;
    seek(Number(slider.value));
  });

  const KIND = { question: "Question", answer: "Answer", answered: "Answered", accepted: "Accepted" };
  const laneOf = lanes(ack.markers || [], duration);
  (ack.markers || []).forEach((m, i) => {
    const label = `${KIND[m.kind] || m.kind} at ${clock(m.offset / 1000)}${m.title ? `: ${m.title.slice(0, 80)}` : ""}`;
    const marker = h("button", { type: "button", class: `marker ${m.kind} lane-${laneOf[i]}`, title: label, "aria-label": label, onclick: () => seek(m.offset) });
    marker.style.left = `${(m.offset / duration) * 100}%`; // CSSOM: allowed by the CSP
    markers.append(marker);
  });
  markers.classList.add(`lanes-${Math.max(1, ...laneOf.map((l) => l + 1))}`);

  mount(
    el,
    h("header", { class: "replay-head" },
      h("h1", {}, "Replay: ", h("span", { text: session.title })),
      h("p", { class: "meta" },
        session.started_at ? time(session.started_at, true) : null,
        ...(session.tags || []).map((t) => tagChip(t)),
        h("a", { href: `/rooms/${encodeURIComponent(session.room_id)}`, "data-link": true, text: "Open the room" }),
        h("button", {
          type: "button",
          class: "link",
          text: "Download transcript (Markdown)",
          onclick: () =>
            download(`/sessions/${encodeURIComponent(session.id)}/export`, { format: "markdown" }, `${session.title}.md`).catch((e) =>
              showError(e, "Could not export the session"),
            ),
        }))),
    h("div", { class: "player card" },
      h("div", { class: "controls" }, playButton, field("Speed", speedSelect), h("label", { class: "check" }, skip, " Skip silence"), clockText),
      h("div", { class: "track" }, slider, markers)),
    h("div", { class: "replay-body" },
      h("section", { class: "docs", "aria-label": "Documents" }, docTabs, docText),
      h("section", { class: "side" }, h("h2", { text: "Questions" }), qaList, h("h2", { text: "Chat" }), present, h("div", { class: "scroller" }, chatList))),
  );

  function renderTabs() {
    const names = [...new Set([...(ack.documents || []), ...docs.keys()])];
    const open = (name) => ((docName = name), renderTabs(), renderDoc());
    // A roving tablist, as in the room: one Tab stop, arrows (and Home/End) move between tabs.
    const selected = names.includes(docName) ? docName : names[0];
    mount(docTabs, names.map((name, i) => h("button", {
      type: "button",
      role: "tab",
      "aria-selected": String(name === docName),
      tabindex: name === selected ? "0" : "-1",
      text: name,
      onclick: () => open(name),
      onkeydown: (e) => {
        const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: names.length - 1 }[e.key];
        if (next === undefined) return;
        e.preventDefault();
        open(names[(next + names.length) % names.length]);
        docTabs.querySelector('[tabindex="0"]')?.focus();
      },
    })));
  }

  function renderDoc() {
    const doc = docName && docs.get(docName);
    docText.textContent = doc ? doc.getText(TEXT_FIELD).toString() : ack.documents?.length ? "" : "No documents in this session.";
  }

  // The search hit this replay was opened from (?hit=<kind>:<id>): highlighted while shown.
  const linked = query.get("hit");
  let linkedShown = false;
  const mark = (key) => (key === linked ? " linked" : "");
  function revealLinked() {
    const target = linked && el.querySelector(".linked");
    if (!target || linkedShown) return;
    linkedShown = true;
    target.scrollIntoView({ block: "nearest" });
  }

  function renderChat() {
    const stick = chatList.parentElement.scrollHeight - chatList.parentElement.scrollTop - chatList.parentElement.clientHeight < 24;
    // Reactions and "(edited)" as they were at this moment: the state and events carry both.
    mount(chatList, [...chat.values()].sort((a, b) => a.seq - b.seq).map((m) => h("li", { class: `msg${m.deleted ? " deleted" : ""}${mark(`chat:${m.id}`)}` },
      h("div", { class: "head" }, h("strong", { text: m.name }), " ", time(m.created_at), m.edited_at && !m.deleted ? h("span", { class: "muted", text: " (edited)" }) : null),
      m.deleted ? h("p", { class: "body", text: "message deleted" }) : renderMarkdown(m.body, { className: "body" }).el,
      reactionsOf(m))));
    if (stick) chatList.parentElement.scrollTop = chatList.parentElement.scrollHeight;
    revealLinked();
    present.textContent = people.size ? `Present: ${[...people.values()].map((p) => p.name).join(", ")}` : "";
  }

  function renderQuestions() {
    const qs = [...questions.values()].filter((q) => q.body !== undefined && ["open", "answered", "pending"].includes(q.status)).sort((a, b) => b.votes - a.votes);
    mount(qaList, qs.length ? qs.map((q) => h("li", { class: `question status-${q.status}${mark(`question:${q.id}`)}` },
      renderMarkdown(q.body, { className: "q-body" }).el,
      h("p", { class: "meta" }, h("span", { text: q.asker ? q.asker.name : "Anonymous" }), h("span", { text: `▲ ${q.votes}` }), q.status === "answered" ? h("span", { class: "badge answered", text: "answered" }) : null),
      q.answers?.length ? h("ol", { class: "answers" }, q.answers.map((a) => h("li", { class: `answer${a.accepted ? " accepted" : ""}${mark(`answer:${a.id}`)}` }, h("strong", { text: a.author?.name || "Expert" }), a.accepted ? " ✓ " : " ", renderMarkdown(a.body, { className: "a-body" }).el))) : null))
      : h("li", { class: "muted", text: "No questions yet at this moment." }));
    revealLinked();
  }

  function renderClock() {
    const at = now();
    if (!dragging) slider.value = String(at);
    slider.setAttribute("aria-valuetext", `${clock(at / 1000)} of ${clock(duration / 1000)}`);
    if (!dragging) clockText.textContent = `${clock(at / 1000)} / ${clock(duration / 1000)}`;
    playButton.textContent = status.playing ? "Pause" : "Play";
  }

  // --- server events -----------------------------------------------------------------------
  function bytes(value) {
    if (value instanceof ArrayBuffer) return new Uint8Array(value);
    if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    return null;
  }

  // The whole document as a Yjs update (so replay:doc updates apply on top); an empty state
  // (no edits yet at this moment) is an empty document.
  function docFrom(d) {
    const doc = new Y.Doc();
    const update = bytes(d.state);
    try {
      if (update?.length) {
        Y.applyUpdate(doc, update);
        return doc;
      }
    } catch {
      // fall through to the plain text
    }
    doc.getText(TEXT_FIELD).insert(0, d.text || "");
    return doc;
  }

  handlers["replay:state"] = (s) => {
    chat = new Map(s.chat.map((m) => [m.id, m]));
    questions = new Map(s.questions.map((q) => [q.id, q]));
    people = new Map(s.presence.map((p) => [p.user_id, p]));
    for (const doc of docs.values()) doc.destroy();
    docs.clear();
    for (const d of s.documents) {
      docs.set(d.name, docFrom(d));
    }
    if (!docName && docs.size) docName = docs.keys().next().value;
    status = { ...status, offset: s.offset };
    statusAt = performance.now();
    renderTabs();
    renderDoc();
    renderChat();
    renderQuestions();
    renderClock();
  };

  handlers["replay:event"] = (ev) => {
    const d = ev.data || {};
    const message = d.message && typeof d.message === "object" ? d.message : d;
    if (ev.kind === "chat.message" || ev.kind === "chat.edit") chat.set(message.id, message);
    else if (ev.kind === "chat.delete" && chat.has(message.id)) chat.set(message.id, { ...chat.get(message.id), body: "", deleted: true, reactions: {} });
    else if (ev.kind === "chat.reactions" && chat.has(message.id)) chat.set(message.id, { ...chat.get(message.id), reactions: message.reactions });
    else if (ev.kind.startsWith("qa.") && d.question) {
      const q = d.question;
      if (["open", "answered", "pending"].includes(q.status) && "body" in q) questions.set(q.id, q);
      else questions.delete(q.id);
      return renderQuestions();
    } else if (ev.kind === "presence.join" || ev.kind === "presence.update") people.set(d.user_id, { ...people.get(d.user_id), ...d });
    else if (ev.kind === "presence.leave") people.delete(d.user_id);
    else return;
    renderChat();
  };

  handlers["replay:doc"] = (d) => {
    const update = bytes(d.update);
    if (!update) return;
    if (!docs.has(d.name)) {
      docs.set(d.name, new Y.Doc());
      renderTabs();
    }
    try {
      Y.applyUpdate(docs.get(d.name), update);
    } catch {
      return; // one bad update must not stop the replay
    }
    if (d.name === docName) renderDoc();
  };

  const onStatus = (s) => {
    status = { ...status, ...s };
    statusAt = performance.now();
    speedSelect.value = String(status.speed);
    skip.checked = Boolean(status.skip_silence);
    renderClock();
  };
  handlers["replay:status"] = onStatus;
  handlers["replay:end"] = (s) => onStatus({ ...s, playing: false });

  for (const [name, payload] of early.splice(0)) if (payload.replay_id === replayId) handlers[name]?.(payload);

  // --- requests ----------------------------------------------------------------------------
  async function request(event, extra = {}) {
    try {
      return await conn.request(event, { replay_id: replayId, ...extra });
    } catch (error) {
      showError(error, "Replay");
      return null;
    }
  }

  async function seek(offset) {
    const target = Math.max(0, Math.min(duration, Math.round(offset)));
    const answer = await request("replay:seek", { offset: target });
    if (answer) history.replaceState(null, "", `/replay/${encodeURIComponent(session.id)}?t=${answer.offset}`);
  }

  async function setSpeed() {
    const answer = await request("replay:speed", { speed: Number(speedSelect.value), skip_silence: skip.checked });
    if (answer) onStatus(answer);
  }

  // After a reconnect the server has dropped the replay: open it again where we were.
  const reopen = async () => {
    try {
      const again = await conn.request("replay:open", { session_id: sessionId, offset: Math.round(now()), autoplay: false, speed: status.speed });
      replayId = again.replay_id;
      status = { ...status, playing: false, offset: again.offset };
      statusAt = performance.now();
      renderClock();
    } catch (error) {
      showError(error, "Could not reopen the replay");
    }
  };
  conn.addEventListener("resumed", reopen);

  renderTabs();
  renderClock();
  const frame = setInterval(renderClock, FRAME_MS);

  return {
    close() {
      clearInterval(frame);
      offs.forEach((off) => off());
      conn.removeEventListener("resumed", reopen);
      if (conn.socket.connected) conn.request("replay:close", { replay_id: replayId }).catch(() => {});
      for (const doc of docs.values()) doc.destroy();
    },
  };
}

// Markers closer than one marker's width would cover each other and the earlier one could not
// be clicked: each goes into the first row where it has room (at most LANES rows; past that,
// the row whose last marker is oldest, where the overlap is smallest).
const MARKER_GAP = 0.04; // of the duration: a marker is about 4% of a phone-width track
const LANES = 6;
export function lanes(markers, duration) {
  const ends = [];
  return markers.map((m) => {
    const at = duration > 0 ? m.offset / duration : 0;
    let lane = ends.findIndex((end) => at - end >= MARKER_GAP);
    if (lane === -1) lane = ends.length < LANES ? ends.length : ends.indexOf(Math.min(...ends));
    ends[lane] = at;
    return lane;
  });
}
