"""Safe Markdown in chat, questions and answers; an XSS corpus rendered inert; @mentions that
notify; the notes preview beside the editor."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.support.clients import user_id
from tests.support.servers import ServerProcess
from tests.web.conftest import Person
from tests.web.sdk import close, live_room, run
from tests.web.test_room import enter, expect, expect_document, has_documents

XSS = [
    "<script>window.__xss = 1</script>",
    '<img src=x onerror="window.__xss = 2">',
    "[click me](javascript:window.__xss=3)",
    "[shout](JaVaScRiPt:window.__xss=4)",
    '<a href="javascript:window.__xss=5">raw link</a>',
    "![tracker](https://tracker.invalid/pixel.png)",
    "<svg onload=window.__xss=6></svg>",
    "[data](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9Nzwvc2NyaXB0Pg==)",
    '<iframe src="javascript:window.__xss=8"></iframe>',
    "<style>body { display: none }</style>",
    "<details open ontoggle=window.__xss=9>x</details>",
    "[vb](vbscript:msgbox(1))",
    '<a href="https://ok.invalid" onclick="window.__xss=10">x</a>',
    "`<b>inline code stays text</b>`",
    "[entity](&#106;avascript:window.__xss=11)",
    "<form action=/x><button formaction=javascript:window.__xss=12>go</button></form>",
]

INERT = """() => {
  const bodies = [...document.querySelectorAll('.msg .body, .q-body, .a-body')];
  const bad = [];
  for (const body of bodies) {
    for (const el of body.querySelectorAll('*')) {
      if (['SCRIPT', 'IMG', 'SVG', 'IFRAME', 'STYLE', 'DETAILS', 'FORM', 'BUTTON', 'INPUT',
           'OBJECT', 'EMBED'].includes(el.tagName.toUpperCase())) bad.push(el.outerHTML);
      for (const attr of el.attributes) {
        const risky = /^on/i.test(attr.name) || ['style', 'src'].includes(attr.name);
        if (risky) bad.push(el.outerHTML);
      }
      if (el.tagName === 'A' && el.hasAttribute('href') &&
          !/^(https?:|mailto:|\\/(?!\\/)|#)/i.test(el.getAttribute('href'))) bad.push(el.outerHTML);
    }
  }
  return {bad, xss: window.__xss ?? null, shown: getComputedStyle(document.body).display};
}"""


def test_chat_and_qa_render_safe_markdown_and_mentions_notify(
    web_server: ServerProcess, people: Callable[..., Person]
) -> None:
    host, expert, setup = run(live_room(web_server, "Markdown"))
    bob_id = user_id("bob")
    bob = people("Bob")
    enter(bob, web_server, bob_id, f"/rooms/{setup.room_id}")
    page = bob.page

    async def write() -> None:
        await host.send_chat(
            setup.room_id,
            "Run `certbot renew` then:\n\n- reload **nginx**\n- check [the runbook](https://runbook.invalid/certs)\n\n"
            "```\nsudo systemctl reload nginx\n```",
        )
        for attack in XSS:
            await host.send_chat(setup.room_id, attack)
        asked = await host.ask(setup.room_id, "Why does *staging* use `ACME v2`?")
        await expert.answer(
            int(asked.get("question", asked)["id"]), "1. it is newer\n2. see <script>x</script>"
        )

    run(write())
    first = page.locator(".msg", has_text="certbot renew").locator(".body")
    expect(first.locator("code").first).to_have_text("certbot renew")
    expect(first.locator("li")).to_have_text(["reload nginx", "check the runbook"])
    expect(first.locator("strong")).to_have_text("nginx")
    link = first.get_by_role("link", name="the runbook")
    expect(link).to_have_attribute("href", "https://runbook.invalid/certs")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    expect(first.locator("pre code")).to_have_text("sudo systemctl reload nginx")
    expect(
        page.locator(".msg .body", has_text="inline code stays text").locator("code")
    ).to_have_text("<b>inline code stays text</b>")
    # Every attack arrived and shows as harmless text or a link-less word.
    expect(page.locator(".msg")).to_have_count(len(XSS) + 1)
    expect(page.locator(".msg", has_text="window.__xss = 1")).to_be_visible()
    page.get_by_role("tab", name=re.compile("Q&A")).click()
    question = page.locator(".question", has_text="ACME v2")
    expect(question.locator(".q-body em")).to_have_text("staging")
    expect(question.locator(".a-body li")).to_have_count(2)
    for text in ("click me", "shout", "raw link", "data", "vb", "entity"):
        page.get_by_role("tab", name=re.compile("Chat")).click()
        page.locator(".msg .body", has_text=text).first.click()
    result = page.evaluate(INERT)
    assert result == {"bad": [], "xss": None, "shown": "flex"}
    bob.shot("room-markdown")

    # Hanna mentions Bob while he reads the Q&A: he is told, and the mention stands out.
    page.get_by_role("tab", name=re.compile("Q&A")).click()
    run(host.send_chat(setup.room_id, "@Bob could you check the staging certs?"))
    expect(page.locator(".toast", has_text="Hanna mentioned you")).to_be_visible()
    page.get_by_role("tab", name=re.compile("Chat")).click()
    mention = page.locator(".msg", has_text="could you check").locator(".mention")
    expect(mention).to_have_text("@Bob")
    expect(mention).to_have_class(re.compile(r"\bme\b"))
    run(host.ask(setup.room_id, "@Bob is this in the runbook?"))
    expect(page.locator(".toast", has_text="mentioned you in a question")).to_be_visible()
    run(close(host, expert))


def test_notes_preview_renders_beside_the_editor(
    web_server: ServerProcess, people: Callable[..., Person]
) -> None:
    host, expert, setup = run(live_room(web_server, "Preview"))
    run(close(host, expert))
    if not has_documents(web_server, setup.room_id, setup.host_id):
        return
    hanna = people("Hanna", viewport={"width": 1280, "height": 800})
    enter(hanna, web_server, setup.host_id, f"/rooms/{setup.room_id}")
    hanna.page.locator(".cm-content").click()
    hanna.page.keyboard.type("# Runbook\n\n- step **one**\n- <img src=x onerror=alert(1)>\n")
    expect_document(hanna, "# Runbook")
    preview = hanna.page.get_by_role("region", name="Preview")
    expect(preview.locator("h1")).to_have_text("Runbook")
    expect(preview.locator("strong")).to_have_text("one")
    expect(preview.locator("img")).to_have_count(0)
    editor_box = hanna.page.locator(".editor").bounding_box()
    preview_box = preview.bounding_box()
    assert editor_box and preview_box and preview_box["x"] >= editor_box["x"] + editor_box["width"]
    hanna.shot("room-preview")
    hanna.page.get_by_role("button", name="Preview").click()
    expect(preview).to_be_hidden()
