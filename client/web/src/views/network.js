// Learning network views: the "For you" feed, the inbox (with calendar links), follow buttons.
import { h, mount, time } from "../dom.js";
import { get, post, download } from "../api.js";
import { showError, toast } from "../toasts.js";
import { followToggle, setFollowing } from "../follows.js";

const FEED_TEXT = {
  "session.scheduled": "Upcoming session",
  "session.live": "Live now",
  "session.archived": "Just archived",
  "question.answered": "Answered",
  "answer.accepted": "Accepted answer",
};

const NOTE_TEXT = {
  "session.scheduled": (d) => `A session was scheduled: ${d.title}`,
  "session.started": (d) => `A session started: ${d.title}`,
  "session.soon": (d) => `Starts soon: ${d.title}`,
  "question.answered": (d) => `${d.by || "Someone"} answered your question “${d.body}”`,
  "question.accepted": (d) => `An answer to your question “${d.body}” was accepted`,
  "question.dismissed": (d) => `Your question “${d.body}” was dismissed${d.reason ? `: ${d.reason}` : ""}`,
  "question.upvoted": (d) => `${d.count} ${d.count === 1 ? "person" : "people"} upvoted your question “${d.body}”`,
  "answer.accepted": (d) => `Your answer to “${d.body}” was accepted`,
  "answer.upvoted": (d) => `${d.count} ${d.count === 1 ? "person" : "people"} upvoted your answer`,
  "follow.new": (d) => `${d.name} followed you`,
  mention: (d) => `${d.by} mentioned you: “${d.excerpt}”`,
};

export function noteText(n) {
  const text = NOTE_TEXT[n.kind];
  return text ? text(n.data || {}) : n.kind;
}

// A Follow / Following toggle for a user, tag, room or session (see ../follows.js).
export function followButton(kind, target, following = false) {
  return followToggle(kind, target, { following });
}

function feedItem(item) {
  // A question asked and answered outside any session (ask anytime) has no session.
  const s = item.session || { title: item.room.title };
  const when = s.status === "scheduled" ? s.starts_at : item.at;
  const body = item.answer ? h("p", { class: "muted", text: item.answer.body }) : null;
  const ics =
    item.kind === "session.scheduled"
      ? h("button", { type: "button", class: "link", text: "Add to calendar (.ics)", onclick: () => download(`/sessions/${s.id}/calendar.ics`, {}, `session-${s.id}.ics`).catch((e) => showError(e, "Could not download")) })
      : null;
  return h(
    "li",
    { class: "card feed-item", "data-kind": item.kind },
    h("p", { class: "muted" }, h("span", { class: "badge", text: FEED_TEXT[item.kind] || item.kind }), " ", item.room.title, when ? " · " : "", when ? time(when) : ""),
    h("a", { href: item.link.path, "data-link": true, text: item.question ? item.question.body : s.title }),
    body,
    ics,
  );
}

export function forYouView() {
  const list = h("ol", { class: "feed", "aria-label": "For you" });
  const status = h("p", { class: "muted", role: "status", text: "Loading your feed…" });
  const more = h("button", { type: "button", class: "secondary", hidden: true, text: "Load more" });
  const tag = h("input", { type: "text", maxlength: 40, "aria-label": "Tag to follow", placeholder: "a tag, e.g. kubernetes" });
  const followTag = h(
    "form",
    {
      class: "card follow-tag",
      onsubmit: async (e) => {
        e.preventDefault();
        const value = tag.value.trim();
        if (!value) return;
        try {
          await setFollowing("tag", value, true);
          toast(`Following #${value}`);
          tag.value = "";
          load(null, true);
        } catch (error) {
          showError(error, "Could not follow the tag");
        }
      },
    },
    tag,
    h("button", { type: "submit", text: "Follow tag" }),
  );
  let before = null;
  async function load(cursor, reset = false) {
    try {
      const page = await get("/feed", cursor ? { before: cursor, limit: 20 } : { limit: 20 });
      if (reset) mount(list);
      for (const item of page.items) list.append(feedItem(item));
      before = page.next_before;
      more.hidden = before == null;
      status.textContent = list.children.length ? "" : "Nothing yet: follow experts, tags or rooms to fill your feed.";
    } catch (error) {
      status.textContent = "Could not load your feed.";
      showError(error, "Could not load your feed");
    }
  }
  more.addEventListener("click", () => load(before));
  load(null, true);
  return { el: h("section", { class: "for-you" }, h("h1", { text: "For you" }), followTag, status, list, more) };
}

export function inboxView() {
  const list = h("ol", { class: "inbox", "aria-label": "Notifications" });
  const status = h("p", { class: "muted", role: "status", text: "Loading your inbox…" });
  const calendar = h("div", { class: "card calendar" });
  const readAll = h("button", { type: "button", class: "secondary", text: "Mark all read" });
  function row(n) {
    const li = h("li", { class: `card note${n.read ? "" : " unread"}`, "data-kind": n.kind }, h("a", { href: n.link.path, "data-link": true, text: noteText(n) }), " ", h("span", { class: "muted", text: time(n.created_at) }));
    if (!n.read) {
      li.append(
        " ",
        h("button", {
          type: "button",
          class: "link",
          text: "Mark read",
          onclick: async (e) => {
            await post("/inbox/read", { ids: [n.id] }).catch((err) => showError(err, "Could not mark it read"));
            li.classList.remove("unread");
            e.target.remove();
          },
        }),
      );
    }
    return li;
  }
  async function load() {
    try {
      const page = await get("/inbox", { limit: 100 });
      mount(list, ...page.notifications.map(row));
      status.textContent = page.notifications.length ? `${page.unread} unread` : "No notifications yet.";
    } catch (error) {
      status.textContent = "Could not load your inbox.";
      showError(error, "Could not load your inbox");
    }
  }
  readAll.addEventListener("click", async () => {
    await post("/inbox/read-all").catch((e) => showError(e, "Could not mark all read"));
    load();
  });
  const url = h("input", { type: "text", readonly: true, class: "calendar-url", "aria-label": "Your private calendar URL", hidden: true });
  mount(
    calendar,
    h("h2", { text: "Calendar" }),
    h("p", { class: "muted", text: "Subscribe to the sessions of your network in your calendar app. The URL is private: anyone who has it sees your network's sessions, so rotate it if it leaks." }),
    h("button", {
      type: "button",
      text: "Get a new calendar URL",
      onclick: async () => {
        try {
          const made = await post("/me/calendar");
          url.value = made.calendar.url;
          url.hidden = false;
          url.select();
        } catch (error) {
          showError(error, "Could not make the calendar URL");
        }
      },
    }),
    url,
  );
  load();
  return { el: h("section", { class: "inbox-view" }, h("h1", { text: "Inbox" }), readAll, status, list, calendar), refresh: load };
}

// The unread count in the header, kept live from the connection's inbox events.
export function watchBadge(conn, badge) {
  const show = (n) => {
    badge.textContent = n ? String(n) : "";
    badge.hidden = !n;
    badge.setAttribute("aria-label", `${n} unread`);
  };
  conn.on("inbox:notification", (e) => show(e.unread));
  conn.on("inbox:read", (e) => show(e.unread));
  get("/inbox/counts").then((c) => show(c.unread)).catch(() => {});
}
