// Lobby: find rooms, create one, or join by link. Sessions appear here once the server has them.
import { h, field, mount, time } from "../dom.js";
import { auth } from "../auth.js";
import { get, post, available } from "../api.js";
import { describe } from "../errors.js";
import { go } from "../router.js";
import { sessionsSection, sessionForm } from "./sessions.js";
import { followToggle, tagChip } from "../follows.js";

const PAGE = 20;

export function lobbyView({ app, query }) {
  const el = h("section", { class: "lobby" }, h("h1", { text: "Lobby" }));
  el.append(joinForm());
  if (auth.isGuest) {
    el.append(h("p", { class: "muted", text: "Guests join rooms from a link or room id; sign in with a token to browse rooms." }));
    return { el };
  }
  el.append(
    h("p", { class: "links anytime" }, h("a", { href: "/ask", "data-link": true, class: "button", text: "Ask an expert" }), " — no live session needed"),
    sessionsSection(app),
    roomsSection(query),
    createForm(),
    scheduleForm(),
  );
  return { el };
}

function joinForm() {
  const input = h("input", { type: "text", required: true, placeholder: "room id or link" });
  return h(
    "form",
    {
      class: "inline",
      onsubmit: (e) => {
        e.preventDefault();
        const value = input.value.trim();
        const id = /\/rooms\/([^/?#]+)/.exec(value)?.[1] || value;
        go(`/rooms/${encodeURIComponent(id)}`);
      },
    },
    field("Join a room", input),
    h("button", { type: "submit", text: "Join" }),
  );
}

function roomsSection(query) {
  const q = h("input", { type: "search", value: query.get("q") || "", placeholder: "title or description" });
  const list = h("ul", { class: "rooms", "aria-live": "polite" });
  const status = h("p", { class: "muted", role: "status" });
  const more = h("button", { type: "button", hidden: true, text: "More rooms" });
  let offset = 0;

  async function load(reset) {
    if (reset) {
      offset = 0;
      mount(list);
    }
    status.textContent = "Loading rooms…";
    status.className = "muted";
    try {
      const page = await get("/rooms", { q: q.value.trim(), offset, limit: PAGE });
      list.append(...page.rooms.map(roomItem));
      markLive(page.rooms, list);
      offset += page.rooms.length;
      more.hidden = offset >= page.total;
      status.textContent = page.total ? `${page.total} room${page.total === 1 ? "" : "s"}` : "No rooms found.";
    } catch (error) {
      status.textContent = `Could not load rooms: ${describe(error)}`;
      status.className = "error";
    }
  }
  more.addEventListener("click", () => load(false));
  load(true);
  return h(
    "section",
    { "aria-labelledby": "rooms-h" },
    h("h2", { id: "rooms-h", text: "Rooms" }),
    h(
      "form",
      {
        class: "inline",
        role: "search",
        onsubmit: (e) => {
          e.preventDefault();
          history.replaceState(null, "", q.value ? `/?q=${encodeURIComponent(q.value)}` : "/");
          load(true);
        },
      },
      field("Search rooms", q),
      h("button", { type: "submit", text: "Search" }),
    ),
    status,
    list,
    more,
  );
}

// A LIVE badge on the cards of rooms with a session on now (one small request per card;
// servers without sessions answer 404 and the cards stay as they are).
function markLive(rooms, list) {
  for (const room of rooms) {
    get(`/rooms/${encodeURIComponent(room.id)}/sessions/current`)
      .then(({ session }) => {
        if (!session) return;
        const meta = list.querySelector(`[data-room="${CSS.escape(room.id)}"] .meta`);
        meta?.prepend(h("span", { class: "badge live-badge", title: `Live: ${session.title}`, text: "LIVE" }));
      })
      .catch(() => {});
  }
}

function roomItem(room) {
  return h(
    "li",
    { class: "room-card", "data-room": room.id },
    h(
      "div",
      { class: "title-row" },
      h("a", { href: `/rooms/${encodeURIComponent(room.id)}`, "data-link": true, class: "title", text: room.title }),
      followToggle("room", room.id, { label: `room ${room.title}` }),
    ),
    room.description ? h("p", { text: room.description }) : null,
    h(
      "p",
      { class: "meta" },
      h("span", { class: "badge", text: room.visibility }),
      room.my_role ? h("span", { class: `badge role-${room.my_role}`, text: room.my_role }) : null,
      ...(room.tags || []).map((t) => tagChip(t)),
      h("span", { text: `${room.online ?? 0} online` }),
      h("span", {}, "created ", time(room.created_at, true)),
    ),
  );
}

function createForm() {
  const title = h("input", { type: "text", required: true, maxlength: 200 });
  const description = h("textarea", { rows: 2, maxlength: 2000 });
  const tags = h("input", { type: "text", placeholder: "ops, security" });
  const visibility = h(
    "select",
    {},
    h("option", { value: "public", text: "Public: anyone signed in may join" }),
    h("option", { value: "invite-only", text: "Invite-only: members only" }),
  );
  const problem = h("p", { class: "error", role: "alert", hidden: true });
  const form = h(
    "form",
    {
      class: "card",
      onsubmit: async (e) => {
        e.preventDefault();
        problem.hidden = true;
        try {
          const { room } = await post("/rooms", {
            title: title.value.trim(),
            description: description.value.trim() || undefined,
            tags: tags.value.split(",").map((t) => t.trim()).filter(Boolean),
            visibility: visibility.value,
          });
          go(`/rooms/${encodeURIComponent(room.id)}`);
        } catch (error) {
          problem.textContent = `Could not create the room: ${describe(error)}`;
          problem.hidden = false;
        }
      },
    },
    field("Title", title),
    field("Description", description),
    field("Tags", tags, "Comma-separated."),
    field("Visibility", visibility),
    problem,
    h("button", { type: "submit", text: "Create room" }),
  );
  return h("details", { class: "create" }, h("summary", { text: "Create a room" }), form);
}

// Schedule a session in one of the rooms I host.
function scheduleForm() {
  const room = h("select", { required: true });
  const details = h("details", { class: "create", hidden: true }, h("summary", { text: "Schedule a session" }));
  (async () => {
    const { rooms } = await get("/rooms", { limit: 100 });
    const hosted = rooms.filter((r) => r.my_role === "host");
    if (!hosted.length || !(await available(`/rooms/${encodeURIComponent(hosted[0].id)}/sessions`))) return;
    room.append(...hosted.map((r) => h("option", { value: r.id, text: r.title })));
    details.append(
      h(
        "div",
        { class: "card" },
        field("Room", room),
        sessionForm(async (fields) => {
          const { session } = await post(`/rooms/${encodeURIComponent(room.value)}/sessions`, fields);
          go(`/rooms/${encodeURIComponent(session.room_id)}`);
        }),
      ),
    );
    details.hidden = false;
  })().catch(() => {});
  return details;
}
