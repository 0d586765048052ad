// Sign in with a token (pasted, or from a #token= link) or as a guest where the server allows.
import { h, field } from "../dom.js";
import { auth, useToken, useGuest, signOut } from "../auth.js";
import { SalonError, describe } from "../errors.js";
import { go } from "../router.js";

export function signinView({ app, query }) {
  const next = safeNext(query.get("next"));
  const problem = h("p", { class: "error", role: "alert", hidden: true });
  const fail = (error) => {
    problem.textContent = describe(error);
    problem.hidden = false;
  };
  if (query.get("error")) fail(new SalonError(query.get("error"), ""));

  async function enter(remember) {
    problem.hidden = true;
    remember();
    try {
      await app.connect();
      // Signed-in people land on their "For you" feed; guests (who follow nothing) on the lobby.
      go(next || (auth.isGuest ? "/" : "/for-you"), { replace: true });
    } catch (error) {
      signOut();
      app.conn?.close();
      app.conn = null;
      fail(error);
    }
  }

  const token = h("textarea", { rows: 3, required: true, autocomplete: "off", spellcheck: "false" });
  const tokenForm = h(
    "form",
    {
      class: "card",
      onsubmit: (e) => {
        e.preventDefault();
        enter(() => useToken(token.value));
      },
    },
    h("h2", { text: "Sign in with a token" }),
    field("Access token", token, "Paste the token your organisation gave you, or open a sign-in link."),
    h("button", { type: "submit", text: "Sign in" }),
  );

  const guestName = h("input", { type: "text", required: true, maxlength: 80, autocomplete: "nickname" });
  const guestForm = app.server?.guests
    ? h(
        "form",
        {
          class: "card",
          onsubmit: (e) => {
            e.preventDefault();
            enter(() => useGuest(guestName.value));
          },
        },
        h("h2", { text: "Join as a guest" }),
        field("Display name", guestName, "Guests can join public rooms from a link."),
        h("button", { type: "submit", text: "Join as guest" }),
      )
    : h("p", { class: "muted", text: "Guest access is off on this server." });

  return {
    el: h(
      "section",
      { class: "signin" },
      h("h1", { text: "Welcome to Salon" }),
      h("p", { text: "Live learning rooms: co-edit notes, chat, and ask the experts." }),
      problem,
      h("div", { class: "cards" }, tokenForm, guestForm),
    ),
  };
}

function safeNext(value) {
  // Only same-site paths: never let a link send people elsewhere after sign-in.
  if (!value || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/signin")) {
    return null;
  }
  return value;
}
