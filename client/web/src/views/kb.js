// Knowledge base pages per room and per tag: the best answered questions (accepted or pinned
// canonical first, then votes), each with its answer, expert, date and replay moment.
import { h, mount, time } from "../dom.js";
import { get, put, download } from "../api.js";
import { describe } from "../errors.js";
import { replayHref } from "./search.js";
import { followToggle } from "../follows.js";

const PAGE = 20;

export function kbView({ params }) {
  const scope = params.roomId ? `rooms/${encodeURIComponent(params.roomId)}` : `tags/${encodeURIComponent(params.tag)}`;
  const heading = params.roomId ? "Knowledge base" : `Knowledge base: #${params.tag}`;
  const el = h("section", { class: "kb" }, h("div", { class: "title-row" }, h("h1", { text: heading }), params.roomId ? followToggle("room", params.roomId, { label: "this room" }) : followToggle("tag", params.tag, { label: `#${params.tag}` })));
  const list = h("ol", { class: "kb-list" });
  const note = h("p", { role: "status", class: "muted", text: "Loading…" });
  const more = h("button", { type: "button", class: "secondary", hidden: true, text: "More" });
  const exportButton = h("button", {
    type: "button",
    class: "secondary",
    text: "Export Markdown",
    onclick: () => download(`/kb/${scope}/export.md`, {}, "knowledge-base.md").catch((e) => (note.textContent = describe(e))),
  });
  const links = params.roomId
    ? h("p", { class: "links" }, h("a", { href: `/queue/${encodeURIComponent(params.roomId)}`, "data-link": true, text: "Open questions" }), " · ", h("a", { href: `/rooms/${encodeURIComponent(params.roomId)}`, "data-link": true, text: "Room" }), " · ", exportButton)
    : h("p", { class: "links" }, exportButton);
  el.append(links, note, list, more);
  let offset = 0;
  async function load(reset = false) {
    if (reset) offset = 0;
    try {
      const page = await get(`/kb/${scope}`, { offset, limit: PAGE });
      const items = page.items.map((i) => entry(i, () => load(true)));
      if (reset || offset === 0) mount(list, items);
      else list.append(...items);
      offset += page.items.length;
      more.hidden = offset >= page.total;
      note.textContent = page.total ? `${page.total} answered questions` : "No answered questions here yet.";
    } catch (error) {
      note.className = "error";
      note.textContent = `Could not load the knowledge base: ${describe(error)}`;
    }
  }
  more.addEventListener("click", () => load());
  load();
  return { el };
}

function entry(i, reload) {
  const problem = h("p", { class: "error", role: "alert", hidden: true });
  const summary = h("textarea", { rows: 2, maxlength: 2000, "aria-label": "Summary" });
  summary.value = i.summary?.body || "";
  const editor = h(
    "details",
    { class: "kb-edit" },
    h("summary", { text: "Edit summary (experts)" }),
    summary,
    h("button", {
      type: "button",
      text: "Save summary",
      onclick: () => put(`/questions/${i.question_id}/summary`, { body: summary.value }).then(reload, (e) => show(problem, e)),
    }),
    i.answer && !i.answer.canonical
      ? h("button", { type: "button", class: "secondary", text: "Pin as canonical", onclick: () => put(`/questions/${i.question_id}/canonical`, { answer_id: i.answer.id }).then(reload, (e) => show(problem, e)) })
      : null,
  );
  return h(
    "li",
    { class: "card kb-item", "data-question": i.question_id },
    h("h2", { class: "q", text: i.question }),
    i.summary ? h("p", { class: "summary" }, h("em", { text: i.summary.body }), h("small", { class: "muted", text: ` — ${i.summary.author.name}` })) : null,
    i.answer ? h("p", { class: "a", text: i.answer.body }) : null,
    h(
      "p",
      { class: "meta" },
      i.answer?.canonical ? h("span", { class: "badge answered", text: "canonical" }) : i.answer?.accepted ? h("span", { class: "badge answered", text: "✓ accepted" }) : null,
      " ",
      i.expert ? `${i.expert.name} · ` : "",
      i.answered_at ? time(i.answered_at, true) : "",
      ` · ${i.votes} votes `,
      i.replay ? h("a", { href: replayHref(i.replay), "data-link": true, text: "Replay the moment" }) : null,
    ),
    editor,
    problem,
  );
}

function show(el, error) {
  el.hidden = false;
  el.textContent = describe(error);
}
