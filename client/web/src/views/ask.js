// Ask an expert anytime (no live session needed): the question box with its "already
// answered?" panel, and a room's open queue where experts answer and askers accept.
import { h, field, mount, time } from "../dom.js";
import { get, post } from "../api.js";
import { auth } from "../auth.js";
import { describe } from "../errors.js";
import { go } from "../router.js";
import { replayHref } from "./search.js";

const WORDS = 3; // suggestions start from about three typed words
const DEBOUNCE_MS = 300;

export function askView({ query }) {
  const el = h("section", { class: "ask" }, h("h1", { text: "Ask an expert" }));
  if (auth.isGuest) return { el: append(el, h("p", { class: "muted", text: "Sign in with a token to ask the experts." })) };
  const room = h("select", { required: true }, h("option", { value: "", text: "Loading rooms…" }));
  const body = h("textarea", { required: true, rows: 3, maxlength: 2000, placeholder: "What do you need to know?" });
  const tag = h("input", { type: "text", maxlength: 40, value: query.get("tag") || "" });
  const expert = h("input", { type: "text", maxlength: 128, value: query.get("expert") || "", placeholder: "user id (optional)" });
  const anonymous = h("input", { type: "checkbox" });
  const status = h("p", { role: "status", class: "muted" });
  const panel = suggestionPanel(() => room.value);
  body.addEventListener("input", () => panel.typed(body.value));
  room.addEventListener("change", () => panel.typed(body.value));
  const form = h(
    "form",
    {
      class: "card ask-form",
      onsubmit: async (e) => {
        e.preventDefault();
        status.className = "muted";
        status.textContent = "Asking…";
        try {
          const payload = { body: body.value, anonymous: anonymous.checked };
          if (tag.value.trim()) payload.tag = tag.value.trim();
          if (expert.value.trim()) payload.expert = expert.value.trim();
          const { question } = await post(`/rooms/${encodeURIComponent(room.value)}/questions`, payload);
          body.value = "";
          panel.typed("");
          status.textContent = "";
          mount(
            status,
            question.queued ? "Your question waits in the room's open queue; its experts have been told. " : "Your question joined the live session. ",
            h("a", { href: question.queued ? `/queue/${encodeURIComponent(question.room_id)}` : `/rooms/${encodeURIComponent(question.room_id)}`, "data-link": true, text: question.queued ? "See the queue" : "Go to the room" }),
          );
        } catch (error) {
          status.className = "error";
          status.textContent = `Could not ask: ${describe(error)}`;
        }
      },
    },
    field("Room", room),
    field("Your question", body),
    panel.el,
    h("div", { class: "inline-fields" }, field("Tag (optional)", tag), field("Expert (optional)", expert)),
    h("label", { class: "check" }, anonymous, " Ask anonymously"),
    h("button", { type: "submit", text: "Ask" }),
  );
  el.append(form, status);
  get("/rooms", { limit: 100 })
    .then(({ rooms }) => {
      mount(room, rooms.map((r) => h("option", { value: r.id, text: r.title, selected: r.id === query.get("room") })));
      if (!rooms.length) mount(room, h("option", { value: "", text: "No rooms yet" }));
    })
    .catch((error) => mount(room, h("option", { value: "", text: `Could not load rooms: ${describe(error)}` })));
  return { el, destroy: () => panel.stop() };
}

// "Already answered?": up to five answered questions like the one being typed.
export function suggestionPanel(roomOf) {
  const list = h("ul", { class: "suggestions" });
  const el = h("div", { class: "already", "aria-live": "polite", hidden: true }, h("h2", { text: "Already answered?" }), list);
  let timer = null;
  let asked = 0;
  async function lookup(text) {
    const mine = ++asked;
    try {
      const { suggestions } = await get("/suggestions", { q: text, room: roomOf() || undefined });
      if (mine !== asked) return; // a newer keystroke already asked
      el.hidden = !suggestions.length;
      mount(list, suggestions.map(item));
    } catch {
      if (mine === asked) el.hidden = true;
    }
  }
  return {
    el,
    typed(text) {
      clearTimeout(timer);
      if (text.trim().split(/\s+/).filter(Boolean).length < WORDS) {
        asked++;
        el.hidden = true;
        return;
      }
      timer = setTimeout(() => lookup(text), DEBOUNCE_MS);
    },
    stop: () => clearTimeout(timer),
  };
}

function item(s) {
  const thanks = h("span", { class: "muted", role: "status" });
  const helped = s.answer
    ? h("button", {
        type: "button",
        class: "secondary",
        text: "This answered it",
        onclick: async (e) => {
          e.currentTarget.disabled = true;
          try {
            const reply = await post(`/answers/${s.answer.id}/helped`);
            thanks.textContent = `Thanks — ${reply.helped} found this helpful.`;
          } catch (error) {
            thanks.textContent = describe(error);
          }
        },
      })
    : null;
  return h(
    "li",
    { class: "card suggestion" },
    h("p", { class: "q", text: s.body }),
    s.answer ? h("p", { class: "a" }, h("strong", { text: `${s.answer.author.name}: ` }), s.answer.snippet) : null,
    h(
      "p",
      { class: "meta" },
      s.accepted ? h("span", { class: "badge answered", text: "✓ accepted" }) : null,
      " ",
      `${s.votes} votes`,
      " ",
      s.link ? h("a", { href: replayHref(s.link), "data-link": true, text: "Watch the answer" }) : null,
      " ",
      helped,
      " ",
      thanks,
    ),
  );
}

// A room's open queue: experts answer, askers accept, anyone may vote.
export function queueView({ app, params, query }) {
  const roomId = params.roomId;
  // question id -> similar questions the server proposed (qa:duplicate, to hosts and experts)
  const duplicates = new Map();
  let host = false;
  const status = query.get("status") || "open";
  const el = h("section", { class: "anytime-queue" }, h("h1", { text: status === "answered" ? "Answered in the queue" : "Open questions" }));
  const nav = h(
    "p",
    { class: "links" },
    h("a", { href: `/ask?room=${encodeURIComponent(roomId)}`, "data-link": true, text: "Ask an expert" }),
    " · ",
    h("a", { href: `/queue/${encodeURIComponent(roomId)}?status=${status === "open" ? "answered" : "open"}`, "data-link": true, text: status === "open" ? "Answered" : "Open" }),
    " · ",
    h("a", { href: `/kb/rooms/${encodeURIComponent(roomId)}`, "data-link": true, text: "Knowledge base" }),
    " · ",
    h("a", { href: `/rooms/${encodeURIComponent(roomId)}`, "data-link": true, text: "Room" }),
  );
  const list = h("ol", { class: "queue-list" });
  const note = h("p", { role: "status", class: "muted", text: "Loading…" });
  el.append(nav, note, list);
  async function load() {
    try {
      const { questions } = await get(`/rooms/${encodeURIComponent(roomId)}/queue`, { status, limit: 100 });
      note.textContent = questions.length ? "" : "Nothing waiting here.";
      const merge = async (q, into) => {
        await app.conn.request("qa:merge", { question_id: q.id, into });
        duplicates.delete(q.id);
        await load();
      };
      const dismiss = (q) => (duplicates.delete(q.id), load());
      mount(list, questions.map((q) => queued(q, load, { candidates: duplicates.get(q.id), host, merge, dismiss })));
    } catch (error) {
      note.className = "error";
      note.textContent = `Could not load the queue: ${describe(error)}`;
    }
  }
  const off = app?.conn?.on("qa:duplicate", (e) => {
    if (e.question?.room_id !== roomId || !e.question.queued) return;
    duplicates.set(e.question.id, e.candidates || []);
    load();
  });
  get(`/rooms/${encodeURIComponent(roomId)}`)
    .then(({ room }) => {
      host = room.my_role === "host";
    })
    .catch(() => {})
    .finally(load);
  return { el, destroy: () => off?.() };
}

// Beside a new question: the similar ones the server found (qa:duplicate), a one-click merge
// for a host (qa:merge) and "Not a duplicate" to put the proposal away.
function proposal(q, { candidates, host, merge, dismiss }, fail) {
  const known = (candidates || []).filter((c) => c.question_id !== q.id);
  if (!known.length || q.status !== "open") return null;
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
          host ? h("button", { type: "button", text: `Merge into “${short}”`, onclick: () => merge(q, c.question_id).catch(fail) }) : null,
        );
      }),
    ),
    h("button", { type: "button", class: "link", text: "Not a duplicate", onclick: () => dismiss(q) }),
  );
}

function queued(q, reload, duplicate) {
  const problem = h("p", { class: "error", role: "alert", hidden: true });
  const fail = (error) => {
    problem.hidden = false;
    problem.textContent = describe(error);
  };
  const answerBox = h("textarea", { rows: 2, maxlength: 20000 });
  const answers = q.answers.map((a) =>
    h(
      "li",
      { class: a.accepted ? "answer accepted" : "answer" },
      h("strong", { text: `${a.author.name}: ` }),
      a.body,
      a.accepted ? h("span", { class: "badge answered", text: " ✓ accepted" }) : null,
      q.mine && !a.accepted
        ? h("button", { type: "button", class: "secondary", text: "Accept", onclick: () => post(`/questions/${q.id}/accept`, { answer_id: a.id }).then(reload, fail) })
        : null,
    ),
  );
  return h(
    "li",
    { class: "card queued", "data-question": q.id },
    h("p", { class: "q", text: q.body }),
    h(
      "p",
      { class: "meta" },
      q.asker ? `${q.asker.name} · ` : "anonymous · ",
      time(q.created_at, true),
      q.tag ? ` · #${q.tag}` : "",
      ` · ${q.votes} votes `,
      h("button", { type: "button", class: "secondary", "aria-pressed": String(!!q.voted), text: q.voted ? "Unvote" : "Upvote", onclick: () => post(`/questions/${q.id}/vote`, { on: !q.voted }).then(reload, fail) }),
    ),
    h("ul", { class: "answers" }, answers),
    duplicate ? proposal(q, duplicate, fail) : null,
    h(
      "form",
      {
        class: "inline",
        onsubmit: (e) => {
          e.preventDefault();
          post(`/questions/${q.id}/answers`, { body: answerBox.value }).then(reload, fail);
        },
      },
      field("Your answer", answerBox),
      h("button", { type: "submit", text: "Answer" }),
    ),
    problem,
  );
}

function append(el, ...children) {
  el.append(...children);
  return el;
}

export const openAsk = (roomId) => go(`/ask?room=${encodeURIComponent(roomId)}`);
