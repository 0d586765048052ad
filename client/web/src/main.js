// App shell: sign-in state, the shared connection, the header and the router.
import { h, mount } from "./dom.js";
import { auth, takeTokenFromLink, signOut } from "./auth.js";
import { Connection } from "./conn.js";
import { route, match, start, go } from "./router.js";
import { describe } from "./errors.js";
import { get } from "./api.js";
import { toast } from "./toasts.js";
import { signinView } from "./views/signin.js";
import { lobbyView } from "./views/lobby.js";
import { roomView } from "./views/room.js";
import { searchView } from "./views/search.js";
import { expertsView, expertView } from "./views/experts.js";
import { replayView } from "./views/replay.js";
import { forYouView, inboxView, watchBadge } from "./views/network.js";
import { askView, queueView } from "./views/ask.js";
import { kbView } from "./views/kb.js";

const STATUS_TEXT = {
  connecting: "Connecting…",
  online: "Online",
  reconnecting: "Reconnecting…",
  offline: "Offline",
  refused: "Refused",
  closed: "Disconnected",
};

const app = {
  conn: null,
  server: null, // GET /api/v1: {version, protocol, api, guests}
  connect() {
    this.conn?.close();
    this.conn = new Connection();
    this.conn.addEventListener("status", () => showStatus());
    this.conn.addEventListener("session", () => showWho());
    this.conn.on("inbox:notification", (e) => notify(e.notification));
    if (!auth.isGuest) watchBadge(this.conn, document.getElementById("unread"));
    this.conn.addEventListener("refused", (e) => {
      const code = e.detail.code;
      if (["unauthenticated", "token_expired", "guests_disabled"].includes(code)) {
        signOut();
        this.conn?.close();
        this.conn = null;
        showWho();
        go(`/signin?error=${encodeURIComponent(code)}&next=${encodeURIComponent(here())}`, {
          replace: true,
        });
      }
    });
    showStatus();
    return this.conn.ready();
  },
  signOut() {
    signOut();
    this.conn?.close();
    this.conn = null;
    showWho();
    showStatus();
    go("/signin");
  },
};

// Inbox notes arrive once, live, on every open tab (the inbox keeps them, read or unread;
// see docs/protocol-network.md), wherever the person is in the app.
const NOTICE = {
  "question.answered": "Your question was answered",
  "question.accepted": "An answer to your question was accepted",
  "question.dismissed": "Your question was dismissed",
  "question.upvoted": "People upvoted your question",
  "answer.accepted": "Your answer was accepted",
  "answer.upvoted": "People upvoted your answer",
  "session.scheduled": "A session was scheduled",
  "session.started": "A session started",
  "session.soon": "A session starts soon",
  "follow.new": "You have a new follower",
  "mention": "You were mentioned",
  "question.queued": "A question is waiting for an expert",
  "question.for_you": "A question was addressed to you",
};

function notify(n) {
  const d = n.data || {};
  const detail = d.reason ? `: ${d.reason}` : d.title ? `: ${d.title}` : d.name ? `: ${d.name}` : d.excerpt ? `: “${d.excerpt}”` : d.body ? `: “${d.body}”` : "";
  const count = d.count > 1 ? ` (${d.count})` : "";
  toast(`${NOTICE[n.kind] || "Notification"}${count}${detail}`, { timeout: 12000 });
}

const here = () => location.pathname + location.search;

function showStatus() {
  const el = document.getElementById("conn");
  const status = app.conn?.status || "closed";
  el.className = `conn ${status}`;
  let text = STATUS_TEXT[status] || status;
  if (status === "refused" && app.conn?.error) text = `Refused: ${describe(app.conn.error)}`;
  if (status === "reconnecting" && app.conn?.attempt) text += ` (attempt ${app.conn.attempt})`;
  el.textContent = app.conn ? text : "";
  el.title = "Connection to the Salon server";
}

function showWho() {
  const el = document.getElementById("who");
  if (!auth.signedIn) return mount(el);
  const name = auth.user?.name || auth.guestName || "signed in";
  mount(
    el,
    h("span", { class: "name", text: auth.isGuest ? `${name} (guest)` : name }),
    h("button", { type: "button", class: "link", onclick: () => app.signOut(), text: "Sign out" }),
  );
}

route("/signin", signinView);
route("/", lobbyView);
route("/rooms/:roomId", roomView);
route("/search", searchView);
route("/experts", expertsView);
route("/experts/:userId", expertView);
route("/for-you", forYouView);
route("/inbox", inboxView);
route("/replay/:sessionId", replayView);
route("/ask", askView);
route("/queue/:roomId", queueView);
route("/kb/rooms/:roomId", kbView);
route("/kb/tags/:tag", kbView);

let current = null;

function render() {
  const view = document.getElementById("view");
  current?.destroy?.();
  current = null;
  const found = match(location.pathname);
  if (!found) {
    mount(view, h("h1", { text: "Not found" }), h("a", { href: "/", "data-link": true, text: "Back to the lobby" }));
    return;
  }
  if (found.view !== signinView && !auth.signedIn) {
    go(`/signin?next=${encodeURIComponent(here())}`, { replace: true });
    return;
  }
  if (auth.signedIn && !app.conn) app.connect().catch(() => {});
  const ctx = { app, params: found.params, query: new URLSearchParams(location.search) };
  current = found.view(ctx);
  mount(view, current.el);
  for (const a of document.querySelectorAll("nav a")) {
    const active = a.getAttribute("href") === location.pathname;
    if (active) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  view.focus({ preventScroll: true });
}

takeTokenFromLink();
showWho();
get("")
  .then((info) => (app.server = info))
  .catch(() => (app.server = { guests: false }))
  .finally(() => start(render));
