// Q&A panel: filled in when the server has sessions and questions (docs/protocol.md).
import { h } from "../dom.js";
import { unavailable } from "../views/unavailable.js";

export function qaPanel() {
  return { el: h("div", { class: "qa" }, unavailable("Q&A")) };
}
