// Client-side routes. The server answers index.html for each of these prefixes
// (server/salon/web/__init__.py, CLIENT_ROUTES), so deep links and reloads work.

const routes = [];

export function route(pattern, view) {
  const names = [];
  const regex = new RegExp(
    "^" + pattern.replace(/:(\w+)/g, (_, n) => (names.push(n), "([^/]+)")) + "/?$",
  );
  routes.push({ regex, names, view });
}

export function match(pathname) {
  for (const r of routes) {
    const m = r.regex.exec(pathname);
    if (!m) continue;
    const params = {};
    r.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1])));
    return { view: r.view, params };
  }
  return null;
}

let onChange = () => {};

export function start(handler) {
  onChange = handler;
  window.addEventListener("popstate", () => onChange());
  document.addEventListener("click", (e) => {
    const link = e.target.closest?.("a[data-link]");
    if (!link || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    e.preventDefault();
    go(link.getAttribute("href"));
  });
  onChange();
}

export function go(href, { replace = false } = {}) {
  if (replace) history.replaceState(null, "", href);
  else history.pushState(null, "", href);
  onChange();
}
