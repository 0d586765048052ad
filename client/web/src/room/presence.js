// Who is here: names, roles, raised hands; hosts change roles and remove people from here.
import { h, mount } from "../dom.js";
import { colorOf } from "../auth.js";

export const ROLES = ["host", "expert", "participant", "viewer"];

export function presencePanel({ me, isHost, onRole, onRemove }) {
  const people = new Map(); // user_id -> Presence
  const list = h("ul", { class: "people", "aria-label": "People in the room" });
  const el = h("div", { class: "presence" }, list);

  function order(a, b) {
    return (
      Number(b.hand_raised) - Number(a.hand_raised) ||
      ROLES.indexOf(a.role) - ROLES.indexOf(b.role) ||
      a.name.localeCompare(b.name)
    );
  }

  function item(p) {
    const self = p.user_id === me().user_id;
    const li = h(
      "li",
      { class: "person", "data-user": p.user_id },
      h("span", { class: `avatar c${colorOf(p.user_id)}`, "aria-hidden": "true", text: (p.name[0] || "?").toUpperCase() }),
      h("span", { class: "name", text: p.name }),
      self ? h("span", { class: "muted", text: " (you)" }) : null,
      p.guest ? h("span", { class: "badge", text: "guest" }) : null,
      h("span", { class: `badge role-${p.role}`, text: p.role }),
      p.hand_raised ? h("span", { class: "hand", role: "img", "aria-label": "hand raised", text: "✋" }) : null,
    );
    if (isHost() && !self && !p.guest) {
      const select = h(
        "select",
        { "aria-label": `Role of ${p.name}`, onchange: () => onRole(p, select.value, select) },
        ROLES.map((r) => h("option", { value: r, selected: r === p.role, text: r })),
      );
      li.append(
        h(
          "span",
          { class: "host-tools" },
          select,
          h("button", { type: "button", class: "link danger", text: "Remove", "aria-label": `Remove ${p.name} from the room`, onclick: () => onRemove(p) }),
        ),
      );
    }
    return li;
  }

  function render() {
    mount(list, [...people.values()].sort(order).map(item));
  }

  return {
    el,
    render,
    get count() {
      return people.size;
    },
    get all() {
      return [...people.values()];
    },
    get(userId) {
      return people.get(userId);
    },
    set(list) {
      people.clear();
      for (const p of list) people.set(p.user_id, p);
      render();
    },
    upsert(p) {
      people.set(p.user_id, p);
      render();
    },
    remove(userId) {
      people.delete(userId);
      render();
    },
  };
}
