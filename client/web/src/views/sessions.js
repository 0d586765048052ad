// Sessions in the lobby (live now, upcoming, past) and the schedule form hosts use.
import { h, field, mount, time } from "../dom.js";
import { get, available } from "../api.js";
import { describe } from "../errors.js";
import { tagChip } from "../follows.js";

export function sessionForm(submit) {
  const title = h("input", { type: "text", required: true, maxlength: 200 });
  const description = h("textarea", { rows: 2 });
  const startsAt = h("input", { type: "datetime-local" });
  const experts = h("input", { type: "text", placeholder: "user ids, comma-separated" });
  const tags = h("input", { type: "text", placeholder: "ops, security" });
  const moderated = h("input", { type: "checkbox" });
  const problem = h("p", { class: "error", role: "alert", hidden: true });
  const list = (input) => input.value.split(",").map((v) => v.trim()).filter(Boolean);
  return h(
    "form",
    {
      class: "session-form",
      onsubmit: async (e) => {
        e.preventDefault();
        problem.hidden = true;
        const fields = { title: title.value.trim(), experts: list(experts), tags: list(tags), moderated: moderated.checked };
        if (description.value.trim()) fields.description = description.value.trim();
        if (startsAt.value) fields.starts_at = new Date(startsAt.value).toISOString();
        try {
          await submit(fields);
          e.target.reset();
        } catch (error) {
          problem.textContent = `Could not schedule the session: ${describe(error)}`;
          problem.hidden = false;
        }
      },
    },
    field("Session title", title),
    field("Description", description),
    field("Starts at", startsAt),
    field("Experts", experts, "They get the expert role in this room."),
    field("Tags", tags),
    h("label", { class: "check" }, moderated, " Moderated Q&A (questions wait for approval)"),
    problem,
    h("button", { type: "submit", text: "Schedule" }),
  );
}

// Live now / upcoming / past, over the rooms the lobby lists.
export function sessionsSection() {
  const el = h("section", { class: "sessions", "aria-labelledby": "sessions-h", hidden: true });
  (async () => {
    const probe = await get("/rooms", { limit: 20 }).catch(() => null);
    if (!probe?.rooms?.length || !(await available(`/rooms/${encodeURIComponent(probe.rooms[0].id)}/sessions`))) return;
    const groups = { live: [], scheduled: [], ended: [] };
    const pages = await Promise.all(
      probe.rooms.map((room) =>
        get(`/rooms/${encodeURIComponent(room.id)}/sessions`)
          .then((r) => r.sessions.map((s) => ({ ...s, room })))
          .catch(() => []),
      ),
    );
    for (const s of pages.flat()) groups[s.status]?.push(s);
    groups.scheduled.sort((a, b) => (a.starts_at || "").localeCompare(b.starts_at || ""));
    groups.ended.sort((a, b) => (b.ended_at || "").localeCompare(a.ended_at || ""));
    el.hidden = false;
    mount(
      el,
      h("h2", { id: "sessions-h", text: "Sessions" }),
      group("Live now", groups.live, (s) => h("a", { href: `/rooms/${encodeURIComponent(s.room_id)}`, "data-link": true, text: "Join" })),
      group("Upcoming", groups.scheduled, (s) => (s.starts_at ? time(s.starts_at, true) : h("span", { class: "muted", text: "not yet timed" }))),
      group("Past", groups.ended.slice(0, 10), (s) => h("a", { href: `/replay/${encodeURIComponent(s.id)}`, "data-link": true, text: "Replay" })),
    );
  })().catch((error) => {
    el.hidden = false;
    mount(el, h("p", { class: "error", text: `Could not load sessions: ${describe(error)}` }));
  });
  return el;
}

function group(label, sessions, extra) {
  return h(
    "div",
    { class: "session-group" },
    h("h3", { text: `${label} (${sessions.length})` }),
    sessions.length
      ? h(
          "ul",
          { class: "session-list" },
          sessions.map((s) =>
            h(
              "li",
              {},
              h("strong", { text: s.title }),
              h("span", { class: "muted", text: ` in ${s.room.title} ` }),
              ...(s.tags || []).map((t) => tagChip(t)),
              " ",
              extra(s),
            ),
          ),
        )
      : h("p", { class: "muted", text: "None." }),
  );
}
