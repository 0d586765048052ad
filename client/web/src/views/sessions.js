// Sessions in the lobby (live now, upcoming, past). Filled in when the server has sessions.
import { h } from "../dom.js";

export function sessionsSection() {
  return h("div", { class: "sessions", hidden: true });
}
