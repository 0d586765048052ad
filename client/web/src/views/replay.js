import { h } from "../dom.js";
import { unavailable } from "./unavailable.js";

export function replayView() {
  return { el: h("section", {}, h("h1", { text: "Replay" }), unavailable("Replay")) };
}
