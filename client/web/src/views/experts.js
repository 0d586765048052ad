// Expert recognition: leaderboards (per room, tag and period) and profiles.
import { h, field, mount } from "../dom.js";
import { get } from "../api.js";
import { auth } from "../auth.js";
import { describe } from "../errors.js";
import { go } from "../router.js";
import { unavailable } from "./unavailable.js";
import { picker, fill } from "./search.js";
import { followButton } from "./network.js";

export function expertsView({ query }) {
  const el = h("section", { class: "experts" }, h("h1", { text: "Experts" }));
  if (auth.isGuest) return { el: append(el, h("p", { class: "muted", text: "Sign in with a token to see the experts." })) };
  const inputs = {
    room: picker("Every room", query.get("room")),
    tag: h("input", { type: "text", value: query.get("tag") || "" }),
    from: h("input", { type: "date", value: query.get("from") || "" }),
    to: h("input", { type: "date", value: query.get("to") || "" }),
  };
  const status = h("p", { class: "muted", role: "status", text: "Loading the leaderboard…" });
  const table = h("div", { class: "table-wrap" });
  const form = h(
    "form",
    {
      class: "card filter-grid",
      onsubmit: (e) => {
        e.preventDefault();
        const p = new URLSearchParams();
        for (const [k, input] of Object.entries(inputs)) if (input.value.trim()) p.set(k, input.value.trim());
        go(`/experts?${p}`);
      },
    },
    field("Room", inputs.room),
    field("Tag", inputs.tag),
    field("From", inputs.from),
    field("To", inputs.to),
    h("button", { type: "submit", text: "Show leaderboard" }),
  );
  el.append(form, status, table);
  // The room filter names rooms (the ones I can see), not raw ids.
  get("/rooms", { limit: 100 }).then(({ rooms }) => fill(inputs.room, rooms.map((r) => [r.id, r.title]))).catch(() => {});
  (async () => {
    const p = {};
    for (const k of Object.keys(inputs)) if (query.get(k)) p[k] = query.get(k);
    try {
      const { leaderboard } = await get("/experts", { ...p, limit: 50 });
      status.textContent = leaderboard.length ? "" : "No answers in this period yet.";
      mount(table, leaderboardTable(leaderboard));
    } catch (error) {
      if (error.details?.missing_endpoint) return mount(el, h("h1", { text: "Experts" }), unavailable("Expert recognition"));
      status.textContent = `Could not load the leaderboard: ${describe(error)}`;
      status.className = "error";
    }
  })();
  return { el };
}

function leaderboardTable(rows) {
  if (!rows.length) return null;
  const cols = [["rank", "#"], ["name", "Expert"], ["answers", "Answers"], ["accepted", "Accepted"], ["questions_answered", "Questions answered"], ["upvotes", "Upvotes"], ["score", "Score"]];
  return h(
    "table",
    { class: "leaderboard" },
    h("caption", { text: "Leaderboard" }),
    h("thead", {}, h("tr", {}, cols.map(([, label]) => h("th", { scope: "col", text: label })))),
    h(
      "tbody",
      {},
      rows.map((r) =>
        h(
          "tr",
          {},
          // data-label: on a phone each row reflows into a card that names its numbers.
          cols.map(([key, label]) =>
            key === "name"
              ? h("td", { "data-label": label }, h("a", { href: `/experts/${encodeURIComponent(r.user_id)}`, "data-link": true, text: r.name }))
              : h("td", { "data-label": label, text: r[key] }),
          ),
        ),
      ),
    ),
  );
}

export function expertView({ params }) {
  const el = h("section", { class: "expert" }, h("p", { class: "muted", role: "status", text: "Loading the profile…" }));
  (async () => {
    try {
      const { expert } = await get(`/experts/${encodeURIComponent(params.userId)}`);
      const network = await get(`/users/${encodeURIComponent(params.userId)}/network`).then((r) => r.network).catch(() => null);
      const mine = params.userId === auth.user?.user_id;
      mount(
        el,
        h("p", {}, h("a", { href: "/experts", "data-link": true, text: "← Leaderboard" })),
        h("div", { class: "title-row" }, h("h1", { text: expert.name }), network && !mine ? followButton("user", params.userId, network.followed_by_me) : null),
        network ? h("p", { class: "muted network-counts", text: `${network.followers} followers · ${network.following} following` }) : null,
        h(
          "dl",
          { class: "stats" },
          [["Answers given", expert.answers], ["Answers accepted", expert.accepted], ["Questions answered", expert.questions_answered], ["Upvotes received", expert.upvotes], ["Sessions led", expert.sessions_led], ["Score", expert.score]].map(([k, v]) =>
            h("div", {}, h("dt", { text: k }), h("dd", { text: v ?? 0 })),
          ),
        ),
        h("h2", { text: "Expertise" }),
        expert.tags?.length ? h("p", {}, expert.tags.map((t) => h("span", { class: "tag", text: `#${t.tag} (${t.count})` }))) : h("p", { class: "muted", text: "No tags yet." }),
        h("h2", { text: "Recent answers" }),
        expert.recent_answers?.length
          ? h(
              "ul",
              {},
              expert.recent_answers.map((a) =>
                h("li", {}, h("span", { text: a.question }), a.accepted ? h("span", { class: "badge answered", text: "✓ accepted" }) : null, " ", h("a", { href: `/replay/${encodeURIComponent(a.session_id)}`, "data-link": true, text: "replay" })),
              ),
            )
          : h("p", { class: "muted", text: "No answers yet." }),
      );
    } catch (error) {
      if (error.details?.missing_endpoint) return mount(el, h("h1", { text: "Experts" }), unavailable("Expert recognition"));
      mount(el, h("p", { class: "error", role: "alert", text: `Could not load the profile: ${describe(error)}` }));
    }
  })();
  return { el };
}

function append(el, child) {
  el.append(child);
  return el;
}
