// Archive search (GET /api/v1/search): filters, paging, highlighted snippets built from the
// server's code-point offsets as <mark> elements around text nodes (never HTML), and deep
// links into the replay at the moment of each hit.
import { h, field, mount, time } from "../dom.js";
import { get, available } from "../api.js";
import { auth } from "../auth.js";
import { describe } from "../errors.js";
import { go } from "../router.js";
import { unavailable } from "./unavailable.js";

const WORDY = /[\p{L}\p{N}]/u; // a letter or a digit of any script: something to search for

const KINDS = ["question", "answer", "chat", "document", "session"];
const FILTERS = ["q", "room", "tag", "expert", "from", "to", "answered", "kind", "offset"];
const PAGE = 20;

export function highlighted(text, ranges) {
  // Offsets count Unicode code points: index an array of code points, not the UTF-16 string.
  const points = Array.from(text || "");
  const out = [];
  let at = 0;
  for (const [start, end] of [...(ranges || [])].sort((a, b) => a[0] - b[0])) {
    if (start < at || end <= start) continue;
    if (start > at) out.push(points.slice(at, start).join(""));
    out.push(h("mark", { text: points.slice(start, end).join("") }));
    at = end;
  }
  if (at < points.length) out.push(points.slice(at).join(""));
  return out;
}

// Deep link format (docs/protocol.md, "Replay"): ?seq=<n> names the moment exactly; ?t=<ms>.
// &hit=<kind>:<id> lets the replay highlight the very message, question or answer.
export function replayHref(link, result = null) {
  const where = link.seq ? `seq=${link.seq}` : `t=${Math.max(0, Math.round(link.offset_ms || 0))}`;
  const hit = result && ["chat", "question", "answer"].includes(result.kind) ? `&hit=${encodeURIComponent(`${result.kind}:${result.id}`)}` : "";
  return `/replay/${encodeURIComponent(link.session_id)}?${where}${hit}`;
}

export function searchView({ query }) {
  const el = h("section", { class: "search" }, h("h1", { text: "Search the archive" }));
  if (auth.isGuest) {
    el.append(h("p", { class: "muted", text: "Sign in with a token to search the archive." }));
    return { el };
  }
  const inputs = {
    q: h("input", { type: "search", required: true, maxlength: 200, value: query.get("q") || "", placeholder: "how do we rotate the staging certs?" }),
    room: picker("Any room", query.get("room")),
    tag: h("input", { type: "text", value: query.get("tag") || "" }),
    expert: picker("Any expert", query.get("expert")),
    from: h("input", { type: "date", value: query.get("from") || "" }),
    to: h("input", { type: "date", value: query.get("to") || "" }),
  };
  const answered = h("input", { type: "checkbox", checked: query.get("answered") === "true" });
  const chosen = new Set((query.get("kind") || "").split(",").filter(Boolean));
  const kinds = KINDS.map((k) => h("input", { type: "checkbox", value: k, checked: chosen.has(k) }));
  const status = h("p", { class: "muted", role: "status" });
  const results = h("ol", { class: "hits" });
  const roomTitles = new Map();
  // Pickers instead of raw ids: the rooms I can see and the experts on the leaderboard.
  const choices = Promise.all([
    get("/rooms", { limit: 100 }).then(({ rooms }) => {
      for (const r of rooms) roomTitles.set(r.id, r.title);
      fill(inputs.room, rooms.map((r) => [r.id, r.title]));
    }),
    get("/experts", { limit: 50 }).then(({ leaderboard }) => fill(inputs.expert, leaderboard.map((e) => [e.user_id, e.name]))),
  ]).catch(() => {});
  const pager = h("nav", { class: "pager", "aria-label": "Result pages" });

  const form = h(
    "form",
    { role: "search", class: "card", onsubmit: (e) => (e.preventDefault(), submit(0)) },
    h("div", { class: "inline-fields" }, field("Search for", inputs.q), h("button", { type: "submit", text: "Search" })),
    h(
      "details",
      { class: "filters", open: ["room", "tag", "expert", "from", "to", "kind", "answered"].some((k) => query.get(k)) },
      h("summary", { text: "Filters" }),
      h(
        "div",
        { class: "filter-grid" },
        field("Room", inputs.room),
        field("Session tag", inputs.tag),
        field("Expert", inputs.expert),
        field("From", inputs.from),
        field("To", inputs.to),
        h("label", { class: "check" }, answered, " Answered questions only"),
        h("fieldset", { class: "kinds" }, h("legend", { text: "Kinds" }), kinds.map((box) => h("label", { class: "check" }, box, ` ${box.value}`))),
      ),
    ),
  );

  function params(offset) {
    const p = new URLSearchParams();
    for (const [k, input] of Object.entries(inputs)) if (input.value.trim()) p.set(k, input.value.trim());
    if (answered.checked) p.set("answered", "true");
    const selected = kinds.filter((b) => b.checked).map((b) => b.value);
    if (selected.length) p.set("kind", selected.join(","));
    if (offset) p.set("offset", String(offset));
    return p;
  }

  function submit(offset) {
    go(`/search?${params(offset)}`);
  }

  async function run() {
    const q = query.get("q");
    if (!q) return;
    const p = {};
    for (const k of FILTERS) if (query.get(k)) p[k] = query.get(k);
    // The server answers bad_request for a query with no words (emoji, punctuation): say why
    // before asking it, and the same if its idea of a word is stricter than ours.
    const hint = () => {
      status.textContent = "Type at least one word: emoji and punctuation alone are not searched.";
      status.className = "muted hint-text";
      mount(results);
      mount(pager);
    };
    if (!WORDY.test(q)) return hint();
    status.textContent = "Searching…";
    status.className = "muted";
    try {
      const page = await get("/search", { ...p, limit: PAGE });
      // Over 1,000 matches the server stops counting (total_exact false): "1,000+ results".
      const count = page.total_exact === false ? `${page.total.toLocaleString("en")}+` : String(page.total);
      status.textContent = page.total ? `${count} result${page.total === 1 ? "" : "s"}` : "Nothing found. Try other words.";
      await choices;
      // No good match: the server offers answered questions spelled like the query.
      const toHit = (result) => hit(result, roomTitles);
      const offered = page.good_match === false && page.suggestions?.length
        ? [h("li", { class: "muted suggestions", text: page.total ? "No close match. Answered questions spelled like it:" : "Answered questions spelled like it:" }), ...page.suggestions.map(toHit)]
        : [];
      mount(results, ...offered, ...page.hits.map(toHit));
      // Paging follows the server: it says where the next page starts (next_offset, null on
      // the last page of what it ranked) and how large a page it served (limit).
      const offset = page.offset || 0;
      const size = page.limit || PAGE;
      mount(
        pager,
        offset > 0 ? h("button", { type: "button", text: "Previous", onclick: () => submit(Math.max(0, offset - size)) }) : null,
        page.next_offset != null ? h("button", { type: "button", text: "Next", onclick: () => submit(page.next_offset) }) : null,
      );
    } catch (error) {
      if (error.details?.missing_endpoint) return mount(results, unavailable("Archive search"));
      if (error.code === "bad_request") return hint();
      status.textContent = `Search failed: ${describe(error)}`;
      status.className = "error";
    }
  }

  el.append(form, status, results, pager);
  available("/search?q=x").then((ok) => (ok ? run() : mount(results, unavailable("Archive search"))));
  return { el };
}

// A <select> whose first option means "no filter"; a value from the URL that is not (yet) a
// known choice stays selectable as itself.
export function picker(anyLabel, current) {
  const select = h("select", {}, h("option", { value: "", text: anyLabel }));
  if (current) select.append(h("option", { value: current, text: current, selected: true }));
  return select;
}

export function fill(select, pairs) {
  const current = select.value;
  for (const [value, label] of pairs) {
    const existing = [...select.options].find((o) => o.value === value);
    if (existing) existing.textContent = label;
    else select.append(h("option", { value, text: label }));
  }
  select.value = current;
}

function hit(result, roomTitles = new Map()) {
  const where = [result.session_title, roomTitles.get(result.room_id)].filter(Boolean).join(" · ");
  const title = result.title ? h("h2", { class: "hit-title" }, highlighted(result.title, result.title_highlights)) : null;
  return h(
    "li",
    { class: `hit kind-${result.kind}` },
    h("p", { class: "meta" }, h("span", { class: "badge", text: result.kind }), result.answered ? h("span", { class: "badge answered", text: "answered" }) : null, result.author ? h("span", { text: result.author.name }) : null, result.at ? time(result.at, true) : null),
    title,
    where ? h("p", { class: "hit-where muted", text: `in ${where}` }) : null,
    h("p", { class: "snippet" }, highlighted(result.snippet, result.highlights)),
    h(
      "p",
      { class: "hit-links" },
      result.link ? h("a", { href: replayHref(result.link, result), "data-link": true, text: "Replay at this moment" }) : null,
      result.room_id ? h("a", { href: `/rooms/${encodeURIComponent(result.room_id)}`, "data-link": true, text: "Open the room" }) : null,
    ),
  );
}
