// What the signed-in person follows, read once (GET /me, then /users/{me}/following) and kept
// current by every toggle, so room cards, the room header and tag chips show Follow or
// Following; all toggles of one target on the page flip together.
import { h } from "./dom.js";
import { get, put, del } from "./api.js";
import { auth } from "./auth.js";
import { showError } from "./toasts.js";

let mine = null; // Promise<Set<string>> of "kind:target"
let owner = null; // the token it was read with: signing in as someone else reads again
const toggles = new Map(); // key -> Set of toggle buttons (each with its refresh)

// Same rule as the server's follow_key: tags are trimmed and case-folded.
export function followKey(kind, target) {
  return `${kind}:${kind === "tag" ? String(target).trim().toLowerCase() : target}`;
}

export function myFollows() {
  if (!mine || owner !== auth.token) {
    owner = auth.token;
    mine = get("/me")
      .then(({ user }) => get(`/users/${encodeURIComponent(user.user_id)}/following`))
      .then(({ following }) => new Set(following.map((f) => followKey(f.kind, f.target))))
      .catch(() => {
        mine = null; // try again on the next view
        return new Set();
      });
  }
  return mine;
}

function announce(key) {
  const buttons = toggles.get(key) || new Set();
  for (const button of buttons) {
    if (button.isConnected) button.refresh();
    else buttons.delete(button); // its view was left
  }
}

export async function setFollowing(kind, target, on) {
  const path = `/follows/${kind}/${encodeURIComponent(target)}`;
  if (on) await put(path);
  else await del(path);
  const set = await myFollows();
  if (on) set.add(followKey(kind, target));
  else set.delete(followKey(kind, target));
  announce(followKey(kind, target));
}

// A Follow / Following toggle (aria-pressed). `label` names the target for assistive
// technology and for tests ("#ops", "room Platform guild"); `compact` shows + / ✓ only.
export function followToggle(kind, target, { label, compact = false, following } = {}) {
  const key = followKey(kind, target);
  const button = h("button", { type: "button", class: compact ? "follow follow-chip" : "secondary follow" });
  let on = false;
  const show = (value) => {
    on = value;
    button.setAttribute("aria-pressed", String(on));
    button.textContent = compact ? (on ? "✓" : "+") : on ? "Following" : "Follow";
    const name = `${on ? "Following" : "Follow"}${label ? ` ${label}` : ""}`;
    if (label) button.setAttribute("aria-label", name);
    button.title = on ? `Unfollow${label ? ` ${label}` : ""}` : name;
  };
  const refresh = () => myFollows().then((set) => show(set.has(key)));
  show(Boolean(following));
  if (auth.isGuest) {
    button.hidden = true;
    return button;
  }
  if (following === undefined) refresh();
  if (!toggles.has(key)) toggles.set(key, new Set());
  button.refresh = refresh;
  toggles.get(key).add(button);
  button.addEventListener("click", async () => {
    const next = !on; // the refreshes that setFollowing announces flip `on` meanwhile
    button.disabled = true;
    try {
      await setFollowing(kind, target, next);
      show(next);
    } catch (error) {
      showError(error, "Could not change the follow");
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

// A tag chip with its own follow toggle: "#ops +" / "#ops ✓".
export function tagChip(tag) {
  return h("span", { class: "tag tag-follow" }, h("span", { text: `#${tag}` }), followToggle("tag", tag, { label: `#${tag}`, compact: true }));
}
