// Every failure the UI can meet becomes a SalonError with a protocol code and a sentence a
// person understands (docs/protocol.md, "Error codes").

export class SalonError extends Error {
  constructor(code, message, details = {}) {
    super(message || code);
    this.code = code;
    this.details = details || {};
  }
}

const TEXT = {
  offline: "You are offline. Salon will reconnect and send your changes when the network is back.",
  timeout: "The server did not answer in time. Check your connection and try again.",
  unauthenticated: "Your sign-in is not valid. Sign in again with a fresh token.",
  token_expired: "Your token has expired. Sign in again with a fresh one.",
  forbidden: "Your role in this room does not allow that.",
  not_member: "This room is invite-only and you are not a member. Ask a host to add you.",
  removed: "A host removed you from this room.",
  guests_disabled: "This server does not admit guests. Sign in with a token instead.",
  not_found: "Not found: it does not exist or was deleted.",
  not_joined: "You are not in this room any more. Rejoining…",
  conflict: "That contradicts the current state (for example, a room needs at least one host).",
  room_archived: "This room is archived and read-only.",
  too_large: "That is too long for the server's limits.",
  limit_reached: "A quota is used up (for example, the number of rooms you may create).",
  unavailable: "A service the server needs is unavailable. Try again shortly.",
  internal: "The server hit a bug; nothing was changed. Try again.",
  unsupported_protocol: "This page is older than the server. Reload the page.",
  bad_request: "The server refused that request.",
  unknown_event: "The server does not support this feature yet.",
};

export function describe(error) {
  if (!(error instanceof SalonError)) return String(error?.message || error);
  if (error.code === "rate_limited") {
    const wait = Math.max(1, Math.ceil(Number(error.details.retry_after) || 1));
    return `You are going too fast. Try again in ${wait} s.`;
  }
  const text = TEXT[error.code];
  if (!text) return error.message;
  // bad_request and friends: the server's own sentence says which field is wrong.
  if (["bad_request", "too_large", "conflict", "not_found"].includes(error.code) && error.message) {
    return `${text} (${error.message})`;
  }
  return text;
}

export function fromPayload(payload) {
  const e = payload?.error || payload || {};
  return new SalonError(e.code || "internal", e.message || "", e.details);
}
