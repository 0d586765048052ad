// Q&A and session controls (docs/protocol.md, "Sessions"): ask (optionally anonymously), vote,
// answer, accept, mark answered; hosts schedule/start/end sessions and moderate questions.
import { h, field, mount, time } from "../dom.js";
import { SalonError } from "../errors.js";
import { toast, showError, announce } from "../toasts.js";
import { unavailable } from "../views/unavailable.js";
import { sessionForm } from "../views/sessions.js";
import { renderMarkdown } from "../markdown.js";
import { ask } from "../dialog.js";
import { get } from "../api.js";

const RANK = { host: 3, expert: 2, participant: 1, viewer: 0 };
const atLeast = (role, needed) => (RANK[role] ?? -1) >= RANK[needed];
const PUBLIC = new Set(["open", "answered"]);

export function qaPanel({ app, roomId, me, role, onBadge, onSession }) {
  const questions = new Map(); // id -> Question
  const privateIds = new Set(); // ids we got in full (qa:question:private): they win
  const drafts = new Map(); // question id -> {open, text} of an answer being written
  // question id -> similar questions the server proposed (qa:duplicate, hosts and experts).
  const duplicates = new Map();
  let session = null;
  // The live session's timeline seq up to which every Q&A change is held (docs/protocol.md,
  // "session:head"): after a bus outage the server names the head, and we read on from here.
  let timelineRead = 0;
  let reading = null;
  let readAgain = false;
  let scheduled = [];
  // The room's open queue (ask anytime): its questions are listed while no session is live.
  let waiting = { total: 0, loaded: 0 };
  let sort = "votes";
  let supported = true;
  let visible = false;
  let unseen = 0;
  const cleanups = [];
  const conn = () => app.conn;

  const sessionBar = h("div", { class: "session-bar" });
  const askBox = h("div", { class: "ask" });
  const queue = h("section", { class: "queue", "aria-label": "Moderation queue", hidden: true });
  const list = h("ol", { class: "questions", "aria-label": "Questions" });
  const anytime = h("section", { class: "anytime-waiting", "aria-label": "Questions waiting in the room's queue", hidden: true });
  const sortSelect = h(
    "select",
    { onchange: () => ((sort = sortSelect.value), render()) },
    h("option", { value: "votes", text: "Most votes" }),
    h("option", { value: "recent", text: "Newest" }),
  );
  const toolbar = h("div", { class: "qa-toolbar" }, field("Sort questions", sortSelect));
  const el = h("div", { class: "qa" }, sessionBar, askBox, queue, anytime, toolbar, list);

  const isHost = () => role() === "host";
  const canAnswer = () => atLeast(role(), "expert");

  // --- loading -----------------------------------------------------------------------------

  async function load() {
    try {
      const current = await conn().request("session:current", { room_id: roomId });
      session = current.session;
      timelineRead = session?.last_seq ?? 0;
      questions.clear();
      privateIds.clear();
      for (const q of current.questions) questions.set(q.id, q);
      if (session) {
        const listed = await conn().request("qa:list", { session_id: session.id, sort });
        for (const q of listed.questions) merge(q);
      }
      waiting = { total: 0, loaded: 0 };
      if (!session) {
        const open = await conn().request("qa:queue", { room_id: roomId, status: "open", limit: 20 });
        waiting = { total: open.total, loaded: open.questions.length };
        for (const q of open.questions) merge(q);
      }
      if (isHost()) {
        const all = await conn().request("session:list", { room_id: roomId });
        scheduled = all.sessions.filter((s) => s.status === "scheduled");
      }
    } catch (error) {
      if (error instanceof SalonError && error.code === "unknown_event") {
        supported = false;
        mount(el, unavailable("Q&A"));
        return;
      }
      // Offline: the connection status says so already, and the next rejoin reloads.
      if (error instanceof SalonError && ["offline", "timeout"].includes(error.code)) return;
      showError(error, "Could not load the questions");
    }
    render();
  }

  function merge(q, { isPrivate = false } = {}) {
    if (!isPrivate && privateIds.has(q.id)) return;
    if (isPrivate) privateIds.add(q.id);
    const old = questions.get(q.id);
    // Across nodes events may arrive out of order: the copy with the highest seq is current.
    if (old?.seq !== undefined && q.seq !== undefined && q.seq < old.seq) return;
    questions.set(q.id, { ...old, ...q, voted: q.voted ?? old?.voted ?? false });
  }

  // --- rendering ---------------------------------------------------------------------------

  function render() {
    if (!supported) return;
    const active = document.activeElement;
    const focusedDraft = active?.dataset?.draft;
    const selection = focusedDraft ? [active.selectionStart, active.selectionEnd] : null;
    // A redraw replaces the questions' controls: keep keyboard focus on the same control of the
    // same question (an upvote by Space, then Space again, must undo it), not on <body>.
    const CONTROLS = "button, select, a[href]";
    const card = !focusedDraft && active?.matches?.(CONTROLS) ? active.closest("[data-question]") : null;
    const place = card ? [card.dataset.question, [...card.querySelectorAll(CONTROLS)].indexOf(active)] : null;
    draw();
    if (place && !active.isConnected) {
      const again = el.querySelector(`[data-question="${CSS.escape(place[0])}"]`)?.querySelectorAll(CONTROLS)[place[1]];
      again?.focus();
    }
    if (focusedDraft) {
      const again = el.querySelector(`textarea[data-draft="${CSS.escape(focusedDraft)}"]`);
      if (again) {
        again.focus();
        again.setSelectionRange(...selection);
      }
    }
  }

  function draw() {
    renderSession();
    renderAsk();
    renderWaiting();
    const all = [...questions.values()].filter((q) => !session || q.session_id === session.id || PUBLIC.has(q.status));
    const pending = all.filter((q) => q.status === "pending");
    queue.hidden = !isHost() || pending.length === 0;
    if (queue.hidden) mount(queue);
    else mount(queue, h("h3", { text: `Waiting for approval (${pending.length})` }), h("ol", { class: "questions" }, pending.map(question)));
    const shown = all
      .filter((q) => PUBLIC.has(q.status) || (q.mine && q.status !== "withdrawn" && q.status !== "merged" && !isHost()))
      .sort(order);
    mount(list, shown.length ? shown.map(question) : h("li", { class: "muted", text: session ? "No questions yet. Ask the first one!" : "No questions." }));
  }

  // Between sessions the room's open queue (ask anytime) is where questions are: show it, with
  // the way to the queue page where experts answer them.
  function renderWaiting() {
    const queued = [...questions.values()].filter((q) => q.queued && PUBLIC.has(q.status));
    anytime.hidden = Boolean(session) || queued.length === 0;
    if (anytime.hidden) return mount(anytime);
    // Those listed here as they change, and those the first page of the queue left out.
    const total = queued.length + Math.max(0, waiting.total - waiting.loaded);
    mount(
      anytime,
      h("p", {}, h("strong", { text: `${total} question${total === 1 ? "" : "s"} waiting in the room's queue` }), " · ", h("a", { href: `/queue/${encodeURIComponent(roomId)}`, "data-link": true, text: "Open the queue" })),
    );
  }

  // As the server sorts (docs/sessions.md): pinned first; most votes with the oldest first
  // among equals, or newest first. Ids grow with time and never tie, unlike timestamps.
  function order(a, b) {
    if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
    if (sort === "votes") return b.votes - a.votes || a.id - b.id;
    return b.id - a.id;
  }

  function renderSession() {
    const parts = [];
    if (session) {
      parts.push(
        h("p", { class: "live" }, h("span", { class: "badge live-badge", text: "LIVE" }), " ", h("strong", { text: session.title })),
      );
      if (canAnswer()) {
        parts.push(
          h("button", { type: "button", class: "link", text: "Add answered questions to the notes", onclick: appendToNotes }),
        );
      }
      if (isHost()) {
        const moderated = h("input", { type: "checkbox", checked: session.moderated, onchange: () => updateSession({ moderated: moderated.checked }) });
        parts.push(
          h(
            "div",
            { class: "host-tools" },
            h("label", { class: "check" }, moderated, " Moderate new questions"),
            h("button", { type: "button", class: "danger", text: "End session", onclick: () => lifecycle("session:end", session.id) }),
          ),
        );
      }
    } else {
      parts.push(h("p", { class: "muted", text: "No live session in this room." }));
      if (isHost()) {
        for (const s of scheduled) {
          parts.push(
            h(
              "div",
              { class: "scheduled" },
              h("span", { text: s.title }),
              s.starts_at ? h("span", { class: "muted" }, " · ", time(s.starts_at, true)) : null,
              h("button", { type: "button", text: "Start", "aria-label": `Start session ${s.title}`, onclick: () => lifecycle("session:start", s.id) }),
            ),
          );
        }
        parts.push(
          h(
            "details",
            { class: "schedule" },
            h("summary", { text: "Schedule a session" }),
            sessionForm(async (fields) => {
              const ack = await conn().request("session:schedule", { room_id: roomId, ...fields });
              toast(`Scheduled “${ack.session.title}”.`);
              sessionChanged(ack.session);
            }),
          ),
        );
      }
    }
    mount(sessionBar, parts);
    onSession?.(session);
  }

  // Built once: re-rendering on every event must not lose what someone is typing.
  const askBody = h("textarea", { rows: 2, maxlength: 2000, required: true });
  const askAnonymous = h("input", { type: "checkbox" });
  const askForm = h(
    "form",
    {
      onsubmit: async (e) => {
        e.preventDefault();
        try {
          const ack = await conn().request("qa:ask", { room_id: roomId, body: askBody.value, anonymous: askAnonymous.checked });
          merge(ack.question, { isPrivate: true });
          askBody.value = "";
          if (ack.question.status === "pending") toast("Your question waits for a host's approval.");
          render();
        } catch (error) {
          showError(error, "Could not ask");
        }
      },
    },
    field("Your question", askBody),
    h("label", { class: "check" }, askAnonymous, " Ask anonymously (hosts still see who asked)"),
    h("button", { type: "submit", text: "Ask" }),
  );
  const viewerNote = h("p", { class: "muted", text: "Viewers can read and follow the questions." });
  askBox.append(askForm, viewerNote);

  function renderAsk() {
    const canAsk = Boolean(session) && atLeast(role(), "participant");
    askForm.hidden = !canAsk;
    viewerNote.hidden = !session || canAsk;
  }

  function question(q) {
    const li = h("li", { class: `question status-${q.status}${q.pinned ? " pinned" : ""}`, "data-question": q.id });
    const who = q.asker ? q.asker.name : "Anonymous";
    const voteButton = h("button", {
      type: "button",
      class: "vote",
      "aria-pressed": String(Boolean(q.voted)),
      title: q.voted ? "Remove your vote" : "Upvote",
      disabled: !atLeast(role(), "participant") || !PUBLIC.has(q.status),
      onclick: () => act("qa:vote", { question_id: q.id, on: !q.voted }),
    },
    // The name is the visible count and then what a press does (axe: label-content-name-mismatch).
    h("span", { "aria-hidden": "true", text: "▲ " }),
    h("span", { class: "n", text: String(q.votes) }),
    h("span", { class: "sr-only", text: ` vote${q.votes === 1 ? "" : "s"}. ${q.voted ? "Remove your vote" : "Upvote"}` }),
    );
    li.append(
      h(
        "div",
        { class: "q-head" },
        voteButton,
        h(
          "div",
          {},
          renderMarkdown(q.body, { className: "q-body", me: me().user_id }).el,
          h(
            "p",
            { class: "meta" },
            h("span", { text: who }),
            q.anonymous && q.asker ? h("span", { class: "badge", text: "anonymous to others" }) : null,
            time(q.created_at),
            q.pinned ? h("span", { class: "badge", text: "pinned" }) : null,
            q.status === "answered" ? h("span", { class: "badge answered", text: "answered" }) : null,
            q.status === "pending" ? h("span", { class: "badge", text: "waiting for approval" }) : null,
            q.status === "dismissed" ? h("span", { class: "badge", text: `dismissed${q.dismiss_reason ? `: ${q.dismiss_reason}` : ""}` }) : null,
          ),
        ),
      ),
    );
    if (q.answers?.length) li.append(h("ol", { class: "answers", "aria-label": "Answers" }, q.answers.map((a) => answer(q, a))));
    const proposal = duplicateProposal(q);
    if (proposal) li.append(proposal);
    li.append(questionActions(q));
    return li;
  }

  function answer(q, a) {
    const canAccept = canAnswer() || q.mine;
    return h(
      "li",
      { class: `answer${a.accepted ? " accepted" : ""}` },
      h("p", { class: "meta" }, h("strong", { text: a.author?.name || "Expert" }), " ", time(a.created_at), a.accepted ? h("span", { class: "badge answered", text: "✓ accepted" }) : null),
      renderMarkdown(a.body, { className: "a-body", me: me().user_id }).el,
      canAccept && !a.accepted
        ? h("button", { type: "button", class: "link", text: "Accept", "aria-label": `Accept the answer by ${a.author?.name || "expert"}`, onclick: () => act("qa:accept", { question_id: q.id, answer_id: a.id }) })
        : null,
    );
  }

  // Beside a new question: the similar ones the server found, each a one-click merge for a
  // host (qa:merge), and a dismiss for anyone who sees the proposal.
  function duplicateProposal(q) {
    const candidates = duplicates.get(q.id);
    if (!candidates?.length || !canAnswer() || !["pending", "open"].includes(q.status)) return null;
    const known = candidates.filter((c) => c.question_id !== q.id);
    if (!known.length) return null;
    return h(
      "div",
      { class: "duplicate-proposal", role: "group", "aria-label": "Possible duplicate" },
      h("p", { class: "meta", text: known.length === 1 ? "Looks like an earlier question:" : "Looks like earlier questions:" }),
      h(
        "ul",
        {},
        known.map((c) => {
          const short = c.body.length > 60 ? `${c.body.slice(0, 59)}…` : c.body;
          return h(
            "li",
            {},
            h("span", { class: "dup-body", text: c.body }),
            c.answered ? h("span", { class: "badge answered", text: "answered" }) : null,
            h("span", { class: "muted", text: ` ${c.votes} vote${c.votes === 1 ? "" : "s"} ` }),
            isHost()
              ? h("button", {
                  type: "button",
                  text: `Merge into “${short}”`,
                  onclick: async () => {
                    if (await act("qa:merge", { question_id: q.id, into: c.question_id })) {
                      duplicates.delete(q.id);
                      render();
                    }
                  },
                })
              : null,
          );
        }),
      ),
      h("button", {
        type: "button",
        class: "link",
        text: "Not a duplicate",
        onclick: () => {
          duplicates.delete(q.id);
          render();
        },
      }),
    );
  }

  function questionActions(q) {
    const bar = h("div", { class: "actions" });
    if (q.status === "pending" && isHost()) {
      bar.append(h("button", { type: "button", text: "Approve", onclick: () => act("qa:approve", { question_id: q.id }) }));
    }
    if (canAnswer() && PUBLIC.has(q.status)) {
      // Drafts survive the re-render that every live update causes.
      const draft = drafts.get(q.id) || { open: false, text: "" };
      const body = h("textarea", { rows: 2, maxlength: 20000, required: true, value: draft.text, "data-draft": q.id, "aria-label": `Answer to: ${q.body.slice(0, 60)}` });
      body.addEventListener("input", () => drafts.set(q.id, { open: true, text: body.value }));
      const form = h(
        "form",
        {
          class: "answer-form",
          hidden: !draft.open,
          onsubmit: async (e) => {
            e.preventDefault();
            const text = body.value;
            drafts.delete(q.id);
            if (!(await act("qa:answer", { question_id: q.id, body: text }))) drafts.set(q.id, { open: true, text });
            render();
          },
        },
        body,
        h("button", { type: "submit", text: "Post answer" }),
      );
      bar.append(
        h("button", {
          type: "button",
          class: "link",
          text: "Answer",
          "aria-expanded": String(!form.hidden),
          onclick: () => {
            form.hidden = !form.hidden;
            drafts.set(q.id, { open: !form.hidden, text: body.value });
            if (!form.hidden) body.focus();
          },
        }),
        // append() would print a null as the text "null": always pass a button.
        q.status === "open"
          ? h("button", { type: "button", class: "link", text: "Mark answered", onclick: () => act("qa:mark_answered", { question_id: q.id, answered: true }) })
          : h("button", { type: "button", class: "link", text: "Reopen", onclick: () => act("qa:mark_answered", { question_id: q.id, answered: false }) }),
        form,
      );
    }
    const unanswered = ["pending", "open"].includes(q.status) && !q.answers?.length;
    if (q.mine && unanswered) {
      bar.append(
        h("button", { type: "button", class: "link", text: "Edit", onclick: async () => {
          const text = await ask({ title: "Edit your question", input: { label: "Question", value: q.body, required: true, maxlength: 2000 }, multiline: true, confirm: "Save" });
          if (text && text.trim()) act("qa:edit", { question_id: q.id, body: text });
        } }),
        h("button", { type: "button", class: "link danger", text: "Withdraw", onclick: async () => {
          if (await ask({ title: "Withdraw your question?", text: "Nobody will see it any more.", confirm: "Withdraw", danger: true })) act("qa:withdraw", { question_id: q.id });
        } }),
      );
    }
    if (isHost() && ["pending", "open", "answered"].includes(q.status)) {
      if (q.status !== "pending") {
        bar.append(h("button", { type: "button", class: "link", text: q.pinned ? "Unpin" : "Pin", onclick: () => act("qa:pin", { question_id: q.id, on: !q.pinned }) }));
      }
      const others = [...questions.values()].filter((o) => o.id !== q.id && PUBLIC.has(o.status));
      if (others.length) {
        const target = h(
          "select",
          { "aria-label": `Merge “${q.body.slice(0, 40)}” into` },
          h("option", { value: "", text: "Merge into…" }),
          others.map((o) => h("option", { value: o.id, text: o.body.slice(0, 60) })),
        );
        target.addEventListener("change", () => target.value && act("qa:merge", { question_id: q.id, into: Number(target.value) }));
        bar.append(target);
      }
      bar.append(
        h("button", { type: "button", class: "link danger", text: "Dismiss", onclick: async () => {
          const reason = await ask({ title: "Dismiss this question?", text: q.body.slice(0, 200), input: { label: "Reason (the asker sees this)", value: "", maxlength: 500 }, confirm: "Dismiss", danger: true });
          if (reason !== null) act("qa:dismiss", { question_id: q.id, reason });
        } }),
      );
    }
    return bar;
  }

  // --- actions -----------------------------------------------------------------------------

  async function act(event, payload) {
    try {
      const ack = await conn().request(event, payload);
      if (ack.question) merge(ack.question, { isPrivate: isHost() || ack.question.mine });
      render();
      return true;
    } catch (error) {
      showError(error, "Q&A");
      return false;
    }
  }

  async function appendToNotes() {
    try {
      const ack = await conn().request("qa:append_to_notes", { session_id: session.id });
      toast(ack.appended.length ? `Added ${ack.appended.length} answered question(s) to the notes.` : "Nothing new to add to the notes.");
    } catch (error) {
      showError(error, "Could not add to the notes");
    }
  }

  async function lifecycle(event, sessionId) {
    if (event === "session:end" && !(await ask({ title: "End the session for everyone?", text: "It becomes part of the archive.", confirm: "End session", danger: true }))) return;
    try {
      const ack = await conn().request(event, { session_id: sessionId });
      sessionChanged(ack.session);
    } catch (error) {
      showError(error, event === "session:end" ? "Could not end the session" : "Could not start the session");
    }
  }

  async function updateSession(fields) {
    try {
      const ack = await conn().request("session:update", { session_id: session.id, ...fields });
      sessionChanged(ack.session);
    } catch (error) {
      showError(error, "Could not change the session");
      render();
    }
  }

  function sessionChanged(s) {
    if (s.room_id !== roomId) return;
    scheduled = scheduled.filter((x) => x.id !== s.id);
    if (s.status === "live") {
      if (!session || session.id !== s.id) {
        questions.clear();
        timelineRead = s.last_seq ?? 0;
      }
      session = s;
    } else if (s.status === "ended" && session?.id === s.id) {
      session = null;
      toast(`The session “${s.title}” has ended; it is in the archive now.`);
    } else if (s.status === "scheduled") {
      scheduled = [s, ...scheduled];
    }
    render();
  }

  function arrived(q, isPrivate) {
    if (q.room_id !== roomId) return;
    const isNew = !questions.has(q.id);
    merge(q, { isPrivate });
    if (isNew && PUBLIC.has(q.status) && !q.mine) announce(`New question: ${q.body.slice(0, 200)}`);
    if (isNew && !q.mine && q.body && renderMarkdown(q.body).mentioned.has(me().user_id)) toast(`${q.asker?.name || "Someone"} mentioned you in a question.`);
    if (isNew && !visible && PUBLIC.has(q.status)) {
      unseen += 1;
      onBadge?.(unseen);
    }
    render();
  }

  // Timeline seqs have no gaps per session; live Q&A events skip the seqs of chat and
  // presence, so only the server's head (or a rejoin, which reloads) says something was missed.
  function headArrived(head) {
    if (head.room_id !== roomId || !session || head.session_id !== session.id) return;
    if (head.seq <= timelineRead) return;
    if (reading) {
      readAgain = true;
      return;
    }
    reading = readTimeline().finally(() => {
      reading = null;
      if (readAgain) {
        readAgain = false;
        headArrived({ ...head, seq: Infinity });
      }
    });
  }

  async function readTimeline() {
    const sessionId = session.id;
    let after = timelineRead;
    try {
      while (after !== null && session?.id === sessionId) {
        const page = await get(`/sessions/${encodeURIComponent(sessionId)}/timeline`, { after, limit: 1000 });
        for (const event of page.events) {
          timelineRead = Math.max(timelineRead, event.seq);
          const q = event.data?.question;
          if (!event.kind.startsWith("qa.") || !q?.id) continue;
          if (q.body === undefined) {
            // A removal (dismissed, withdrawn, merged) as others see it.
            if (!privateIds.has(q.id)) questions.delete(q.id);
            continue;
          }
          arrived({ ...q, room_id: q.room_id ?? roomId, seq: q.seq ?? event.seq }, isHost());
        }
        after = page.next_after ?? null;
      }
    } catch (error) {
      // Offline or unavailable: the next head or rejoin reads again from timelineRead.
      if (!(error instanceof SalonError)) throw error;
    }
    render();
  }

  function subscribe() {
    const c = conn();
    cleanups.push(
      c.on("qa:question", (q) => arrived(q, false)),
      c.on("qa:question:private", (q) => arrived(q, true)),
      c.on("qa:removed", (e) => {
        if (e.room_id !== roomId) return;
        const q = questions.get(e.question_id);
        if (q && !privateIds.has(q.id)) questions.delete(e.question_id);
        render();
      }),
      c.on("session:head", headArrived),
      c.on("qa:duplicate", (e) => {
        if (e.question?.room_id !== roomId) return;
        duplicates.set(e.question.id, e.candidates || []);
        arrived(e.question, isHost());
      }),
      ...["session:scheduled", "session:updated", "session:started", "session:ended"].map((ev) =>
        c.on(ev, (s) => sessionChanged(s)),
      ),
    );
  }

  return {
    el,
    start() {
      subscribe();
      load();
    },
    resume: load,
    refreshRole: load,
    setVisible(v) {
      visible = v;
      if (v && unseen) {
        unseen = 0;
        onBadge?.(0);
      }
    },
    destroy() {
      for (const fn of cleanups) fn();
    },
  };
}
