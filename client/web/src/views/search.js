import { h } from "../dom.js";
import { unavailable } from "./unavailable.js";

export function searchView() {
  return { el: h("section", {}, h("h1", { text: "Search the archive" }), unavailable("Archive search")) };
}
