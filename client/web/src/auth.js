// Who the user is: a JWT (pasted, or from a `#token=` link) or a guest display name.
// The token lives in localStorage so a reload stays signed in; "Sign out" forgets it.

const TOKEN_KEY = "salon.token";
const GUEST_KEY = "salon.guest";

export const auth = {
  token: localStorage.getItem(TOKEN_KEY),
  guestName: sessionStorage.getItem(GUEST_KEY),
  user: null, // {user_id, name, guest} from the server's `session` event
  get signedIn() {
    return Boolean(this.token || this.guestName);
  },
  get isGuest() {
    return !this.token && Boolean(this.guestName);
  },
};

export function takeTokenFromLink() {
  const match = /^#token=([^&]+)/.exec(location.hash);
  if (!match) return false;
  useToken(decodeURIComponent(match[1]));
  history.replaceState(null, "", location.pathname + location.search);
  return true;
}

export function useToken(token) {
  auth.token = token.trim();
  auth.guestName = null;
  localStorage.setItem(TOKEN_KEY, auth.token);
  sessionStorage.removeItem(GUEST_KEY);
}

export function useGuest(name) {
  auth.token = null;
  auth.guestName = name.trim();
  localStorage.removeItem(TOKEN_KEY);
  sessionStorage.setItem(GUEST_KEY, auth.guestName);
}

export function signOut() {
  auth.token = null;
  auth.guestName = null;
  auth.user = null;
  localStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(GUEST_KEY);
}

// The Socket.IO handshake payload (docs/protocol.md, "Authentication and connection").
export function handshake() {
  if (auth.token) return { token: auth.token, protocol: 1 };
  return { guest: { name: auth.guestName }, protocol: 1 };
}

// A stable colour per user for cursors and avatars, from a palette app.css knows about
// (the CSP forbids inline styles, so colours are matched by class or attribute).
export const PALETTE = ["#30bced", "#6eeb83", "#ffbc42", "#ee6352", "#9ac2c9", "#8acb88", "#1be7ff", "#b388eb", "#f08cc0", "#c2d94c", "#ff9f5a", "#7fa7ff"];

export function colorOf(userId) {
  let hash = 0;
  for (const ch of String(userId)) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return hash % PALETTE.length;
}
