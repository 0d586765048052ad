// A tiny view layer: build elements from data. User text only ever becomes a text node
// (textContent); there is deliberately no way to pass HTML.

const PROPERTIES = new Set(["value", "checked", "disabled", "hidden", "selected", "open"]);

export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = String(value);
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (PROPERTIES.has(key)) el[key] = value;
    else if (key === "style") throw new Error("inline styles are blocked by the CSP; use a class");
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

export function mount(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

let counter = 0;
export function uid(prefix = "id") {
  counter += 1;
  return `${prefix}-${counter}`;
}

// A labelled form field: <label for> + control, so every control has an accessible name.
export function field(label, control, hint) {
  control.id ||= uid("f");
  const parts = [h("label", { for: control.id, text: label }), control];
  if (hint) {
    const hintEl = h("small", { class: "hint", id: uid("hint"), text: hint });
    control.setAttribute("aria-describedby", hintEl.id);
    parts.push(hintEl);
  }
  return h("div", { class: "field" }, parts);
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function time(iso, full = false) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return h("span", { text: "" });
  return h("time", {
    datetime: date.toISOString(),
    title: dateFormat.format(date),
    text: full ? dateFormat.format(date) : timeFormat.format(date),
  });
}

export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hh = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(hh ? 2 : 1, "0");
  const ss = String(s % 60).padStart(2, "0");
  return hh ? `${hh}:${mm}:${ss}` : `${mm}:${ss}`;
}
