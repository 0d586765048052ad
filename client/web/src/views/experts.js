import { h } from "../dom.js";
import { unavailable } from "./unavailable.js";

export function expertsView() {
  return { el: h("section", {}, h("h1", { text: "Experts" }), unavailable("Expert recognition")) };
}

export function expertView() {
  return expertsView();
}
