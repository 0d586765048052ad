// Safe Markdown for chat messages, questions, answers and the notes preview. markdown-it with
// raw HTML off parses; DOMPurify with a short allowlist cleans what it made and hands back a
// DOM fragment (never a string set as innerHTML here); @mentions of room members become
// highlighted spans. Images are off: a remote image would break the CSP (img-src 'self') and
// would tell a third party who read the message.
import MarkdownIt from "markdown-it";
import DOMPurify from "dompurify";

const md = new MarkdownIt({ html: false, linkify: true, breaks: true, typographer: false });
md.disable(["image"]);

const ALLOWED_TAGS = ["p", "br", "strong", "em", "s", "del", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td"];
const ALLOWED_ATTR = ["href", "title", "start"];
const SAFE_URL = /^(?:https?:|mailto:|\/(?!\/)|#)/i;

// Room members who can be mentioned: [{user_id, name}], kept by the room view.
let members = [];
export function setMembers(list) {
  // Longest names first, so "@Ann Lee" wins over "@Ann".
  members = [...list].filter((m) => m.name).sort((a, b) => b.name.length - a.name.length);
}

function purify(html) {
  return DOMPurify.sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOWED_URI_REGEXP: SAFE_URL,
    RETURN_DOM_FRAGMENT: true,
  });
}

function decorateLinks(root) {
  for (const a of root.querySelectorAll("a")) {
    const href = a.getAttribute("href") || "";
    if (!SAFE_URL.test(href)) a.removeAttribute("href");
    a.setAttribute("rel", "noopener noreferrer nofollow");
    if (/^https?:/i.test(href)) a.setAttribute("target", "_blank");
  }
}

function mentionAt(text, at) {
  const rest = text.slice(at + 1).toLowerCase();
  for (const m of members) {
    for (const key of [m.name, m.user_id]) {
      const k = String(key || "").toLowerCase();
      if (!k || !rest.startsWith(k)) continue;
      const after = rest.charAt(k.length);
      if (!after || !/[\p{L}\p{N}_-]/u.test(after)) return { member: m, length: k.length + 1 };
    }
  }
  return null;
}

// @mentions in text nodes outside code and links: each becomes <span class="mention">.
function decorateMentions(root, me) {
  const found = new Set();
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  for (const node of nodes) {
    if (node.parentElement?.closest("code, pre, a")) continue;
    const text = node.textContent;
    if (!text.includes("@")) continue;
    const out = [];
    let last = 0;
    for (let i = text.indexOf("@"); i !== -1; i = text.indexOf("@", i + 1)) {
      if (i > 0 && /[\p{L}\p{N}]/u.test(text.charAt(i - 1))) continue; // an e-mail address
      const hit = mentionAt(text, i);
      if (!hit) continue;
      out.push(document.createTextNode(text.slice(last, i)));
      const span = document.createElement("span");
      span.className = hit.member.user_id === me ? "mention me" : "mention";
      span.textContent = text.slice(i, i + hit.length);
      out.push(span);
      found.add(hit.member.user_id);
      last = i + hit.length;
      i = last - 1;
    }
    if (!out.length) continue;
    out.push(document.createTextNode(text.slice(last)));
    node.replaceWith(...out);
  }
  return found;
}

// {el, mentioned: Set of user ids}: el is a <div class="md …"> holding the rendered text.
export function renderMarkdown(text, { className = "", me = null } = {}) {
  const el = document.createElement("div");
  el.className = `md ${className}`.trim();
  el.append(purify(md.render(String(text || ""))));
  decorateLinks(el);
  const mentioned = decorateMentions(el, me);
  return { el, mentioned };
}
