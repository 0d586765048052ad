// What a panel shows when the server it talks to does not have its feature (yet).
import { h } from "../dom.js";

export function unavailable(feature) {
  return h("p", { class: "muted notice", role: "note", text: `${feature} is not available on this server yet.` });
}
