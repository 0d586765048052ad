// Fallback replay player for servers without the replay protocol (replay:open answers
// unknown_event). It pages through the session's timeline (GET /api/v1/sessions/{id}/timeline)
// once and folds events on the client: each event carries the full chat message or question as
// it stood after the change, so the state at any moment is the last event per item up to then.
// Document text at a moment comes from the documents history (GET .../content?at=).
import { h, field, mount, time, clock } from "../dom.js";
import { get, download } from "../api.js";
import { showError } from "../toasts.js";
import { auth } from "../auth.js";
import { describe } from "../errors.js";
import { unavailable } from "./unavailable.js";

const SPEEDS = [0.25, 0.5, 1, 2, 4, 8, 16];
const TICK_MS = 100;
const SILENCE_MS = 3000;
const DOC_REFRESH_MS = 700;

export function timelineReplayView({ params, query }) {
  const sessionId = params.sessionId;
  const el = h("section", { class: "replay" }, h("p", { class: "muted", role: "status", text: "Loading the session…" }));
  if (auth.isGuest) {
    mount(el, h("p", { class: "muted", text: "Sign in with a token to replay sessions." }));
    return { el };
  }
  let timer = null;
  let destroyed = false;

  (async () => {
    let session;
    let events = [];
    try {
      session = (await get(`/sessions/${encodeURIComponent(sessionId)}`)).session;
      let after = 0;
      for (;;) {
        const page = await get(`/sessions/${encodeURIComponent(sessionId)}/timeline`, { after, limit: 1000 });
        events.push(...page.events);
        if (page.next_after === null || page.next_after === undefined || !page.events.length) break;
        after = page.next_after;
      }
    } catch (error) {
      if (error.details?.missing_endpoint) return mount(el, h("h1", { text: "Replay" }), unavailable("Replay"));
      return mount(el, h("h1", { text: "Replay" }), h("p", { class: "error", role: "alert", text: `Could not open this session: ${describe(error)}` }));
    }
    if (destroyed) return;
    timer = player(el, session, events, query);
  })();

  return {
    el,
    destroy() {
      destroyed = true;
      timer?.stop();
    },
  };
}

function player(el, session, events, query) {
  const start = Date.parse(session.started_at || events[0]?.at || session.created_at);
  const endAt = Date.parse(session.ended_at || events[events.length - 1]?.at || session.started_at);
  const duration = Math.max(1000, endAt - start);
  const offsetOf = (ev) => Math.max(0, Date.parse(ev.at) - start);
  const docs = session.documents?.length ? session.documents : ["notes"];

  // A deep link's seq (from search) names the exact event; t is the fallback.
  const linked = events.find((ev) => ev.seq === Number(query.get("seq")));
  let now = clampOffset(linked ? offsetOf(linked) : Number(query.get("t") || 0));
  let speed = 1;
  let playing = false;
  let applied = 0; // events[0..applied) are folded into state
  let state = emptyState();
  let docName = docs[0];
  let lastDocFetch = 0;
  let docWanted = true;
  let interval = null;

  function clampOffset(ms) {
    return Math.min(duration, Math.max(0, ms || 0));
  }

  // --- UI ----------------------------------------------------------------------------------
  const playButton = h("button", { type: "button", class: "play", text: "Play", onclick: () => (playing ? pause() : play()) });
  const speedSelect = h("select", { onchange: () => (speed = Number(speedSelect.value)) }, SPEEDS.map((s) => h("option", { value: s, selected: s === 1, text: `${s}×` })));
  const skip = h("input", { type: "checkbox" });
  const slider = h("input", { type: "range", min: 0, max: duration, step: 100, value: now, "aria-label": "Session time", oninput: () => seek(Number(slider.value)) });
  const clockText = h("span", { class: "clock", "aria-live": "off" });
  const markers = h("div", { class: "markers", role: "group", "aria-label": "Questions and answers on the timeline" });
  const docTabs = h("div", { class: "tabs", role: "tablist", "aria-label": "Documents" });
  const docText = h("pre", { class: "doc-text", "aria-label": "Document at this moment", tabindex: "0" });
  const chatList = h("ol", { class: "messages", "aria-label": "Chat at this moment" });
  const qaList = h("ol", { class: "questions", "aria-label": "Questions at this moment" });
  const people = h("p", { class: "muted replay-people" });

  for (const ev of events) {
    if (ev.kind !== "qa.ask" && ev.kind !== "qa.answer") continue;
    const q = ev.data?.question;
    const label = `${ev.kind === "qa.ask" ? "Question" : "Answer"} at ${clock(offsetOf(ev) / 1000)}${q?.body ? `: ${q.body.slice(0, 80)}` : ""}`;
    const marker = h("button", { type: "button", class: `marker ${ev.kind === "qa.ask" ? "ask" : "answer"}`, title: label, "aria-label": label, onclick: () => seek(offsetOf(ev)) });
    // Positioning through CSSOM is allowed by the CSP (only style attributes in markup are not).
    marker.style.left = `${(offsetOf(ev) / duration) * 100}%`;
    markers.append(marker);
  }

  mount(
    el,
    h("header", { class: "replay-head" },
      h("h1", {}, "Replay: ", h("span", { text: session.title })),
      h("p", { class: "meta" },
        session.started_at ? time(session.started_at, true) : null,
        ...(session.tags || []).map((t) => h("span", { class: "tag", text: `#${t}` })),
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
      h("section", { class: "side" }, h("h2", { text: "Questions" }), qaList, h("h2", { text: "Chat" }), people, h("div", { class: "scroller" }, chatList))),
  );

  function renderTabs() {
    mount(docTabs, docs.map((name) => h("button", { type: "button", role: "tab", "aria-selected": String(name === docName), text: name, onclick: () => { docName = name; docWanted = true; renderTabs(); refreshDoc(true); } })));
  }

  // --- state -------------------------------------------------------------------------------
  function emptyState() {
    return { chat: new Map(), qa: new Map(), people: new Map() };
  }

  function fold(ev) {
    const d = ev.data || {};
    // Same fold as the server's salon.timeline.state_at.
    const message = d.message && typeof d.message === "object" ? d.message : d;
    if (ev.kind === "chat.message" || ev.kind === "chat.edit") state.chat.set(message.id, message);
    else if (ev.kind === "chat.delete" && state.chat.has(message.id)) {
      state.chat.set(message.id, { ...state.chat.get(message.id), body: "", deleted: true, reactions: {} });
    } else if (ev.kind === "chat.reactions" && state.chat.has(message.id)) {
      state.chat.set(message.id, { ...state.chat.get(message.id), reactions: message.reactions });
    } else if (ev.kind.startsWith("qa.") && d.question) {
      const q = d.question;
      if (["open", "answered", "pending"].includes(q.status) && "body" in q) state.qa.set(q.id, q);
      else state.qa.delete(q.id); // dismissed, withdrawn or merged: gone from the list
    } else if (ev.kind === "presence.join" || ev.kind === "presence.update") state.people.set(d.user_id, d);
    else if (ev.kind === "presence.leave") state.people.delete(d.user_id);
    else if (ev.kind.startsWith("doc.")) docWanted = true;
  }

  function advanceTo(ms) {
    if (ms < (applied ? offsetOf(events[applied - 1]) : 0)) {
      state = emptyState();
      applied = 0;
    }
    while (applied < events.length && offsetOf(events[applied]) <= ms) fold(events[applied++]);
  }

  function render() {
    slider.value = String(now);
    slider.setAttribute("aria-valuetext", `${clock(now / 1000)} of ${clock(duration / 1000)}`);
    clockText.textContent = `${clock(now / 1000)} / ${clock(duration / 1000)}`;
    const messages = [...state.chat.values()].sort((a, b) => a.seq - b.seq);
    mount(chatList, messages.map((m) => h("li", { class: `msg${m.deleted ? " deleted" : ""}` },
      h("div", { class: "head" }, h("strong", { text: m.name }), " ", time(m.created_at)),
      h("p", { class: "body", text: m.deleted ? "message deleted" : m.body }))));
    const qs = [...state.qa.values()].filter((q) => q.body !== undefined && ["open", "answered"].includes(q.status)).sort((a, b) => b.votes - a.votes);
    mount(qaList, qs.length ? qs.map((q) => h("li", { class: `question status-${q.status}` },
      h("p", { class: "q-body", text: q.body }),
      h("p", { class: "meta" }, h("span", { text: q.asker ? q.asker.name : "Anonymous" }), h("span", { text: `▲ ${q.votes}` }), q.status === "answered" ? h("span", { class: "badge answered", text: "answered" }) : null),
      q.answers?.length ? h("ol", { class: "answers" }, q.answers.map((a) => h("li", { class: `answer${a.accepted ? " accepted" : ""}` }, h("strong", { text: a.author?.name || "Expert" }), a.accepted ? " ✓ " : " ", h("span", { text: a.body })))) : null))
      : h("li", { class: "muted", text: "No questions yet at this moment." }));
    people.textContent = state.people.size ? `Present: ${[...state.people.values()].map((p) => p.name).join(", ")}` : "";
    refreshDoc(false);
  }

  async function refreshDoc(force) {
    if (!docWanted && !force) return;
    if (!force && Date.now() - lastDocFetch < DOC_REFRESH_MS) return;
    lastDocFetch = Date.now();
    docWanted = false;
    const at = String(Math.round(start + now));
    try {
      const content = await get(`/rooms/${encodeURIComponent(session.room_id)}/documents/${encodeURIComponent(docName)}/content`, { at, format: "json" });
      docText.textContent = content.text ?? "";
    } catch (error) {
      docText.textContent = error.details?.missing_endpoint ? "Documents are not available on this server." : `(${describe(error)})`;
    }
  }

  // --- transport ---------------------------------------------------------------------------
  function seek(ms) {
    now = clampOffset(ms);
    advanceTo(now);
    docWanted = true;
    lastDocFetch = 0;
    render();
    history.replaceState(null, "", `/replay/${encodeURIComponent(session.id)}?t=${Math.round(now)}`);
  }

  function tick() {
    let next = now + TICK_MS * speed;
    if (skip.checked && applied < events.length) {
      const upcoming = offsetOf(events[applied]);
      if (upcoming - now > SILENCE_MS) next = upcoming;
    }
    now = clampOffset(next);
    advanceTo(now);
    render();
    if (now >= duration) pause();
  }

  function play() {
    if (now >= duration) seek(0);
    playing = true;
    playButton.textContent = "Pause";
    interval = setInterval(tick, TICK_MS);
  }

  function pause() {
    playing = false;
    playButton.textContent = "Play";
    clearInterval(interval);
    history.replaceState(null, "", `/replay/${encodeURIComponent(session.id)}?t=${Math.round(now)}`);
  }

  renderTabs();
  advanceTo(now);
  render();
  refreshDoc(true);
  return { stop: () => clearInterval(interval) };
}
