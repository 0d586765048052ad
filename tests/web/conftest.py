"""Browser tests: headless Debian Chromium driven by Playwright for Python against real servers.

Skipped with the reason when Chromium or Playwright is missing; failing instead when
SALON_REQUIRE_SERVICES=1 (CI). Screenshots of every screen go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.servers import ServerProcess
from tests.support.services import require

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("SALON_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TIMEOUT_MS = 10_000


def chromium_path() -> str | None:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    return shutil.which("chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    require(executable is not None, "Chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "Playwright for Python is not installed")
        raise
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    data_dir = tmp_path_factory.mktemp("salon-web")
    with ServerProcess(data_dir, allow_guests=True).running() as server:
        yield server
    shutil.rmtree(data_dir, ignore_errors=True)


@dataclass
class Person:
    """One browser context (one person), with what its page complained about."""

    name: str
    context: Any
    page: Any
    problems: list[str] = field(default_factory=list)

    def shot(self, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


CSP_PROBE = """
document.addEventListener('securitypolicyviolation', (e) =>
  console.error('CSP violation: ' + e.violatedDirective + ' ' + (e.sample || e.blockedURI)));
"""


@pytest.fixture
def people(browser: Any) -> Iterator[Callable[..., Person]]:
    opened: list[Person] = []

    def open_person(name: str, **context_options: Any) -> Person:
        context = browser.new_context(**context_options)
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(CSP_PROBE)
        page = context.new_page()
        person = Person(name, context, page)
        page.on("pageerror", lambda exc: person.problems.append(f"page error: {exc}"))
        page.on(
            "console",
            lambda msg: (
                msg.type == "error"
                and "CSP violation" in msg.text
                and person.problems.append(msg.text)
            ),
        )
        opened.append(person)
        return person

    yield open_person
    for person in opened:
        person.context.close()
    # A script error or a CSP violation anywhere fails the test that caused it.
    assert not [p for person in opened for p in person.problems]


def sign_in_link(server: ServerProcess, user_id: str, name: str, path: str = "/") -> str:
    return f"{server.url}{path}#token={server.token(user_id, name)}"


UNLABELLED = """() => {
  const named = (el) =>
    (el.labels && el.labels.length > 0) ||
    el.getAttribute('aria-label') ||
    el.getAttribute('aria-labelledby') ||
    el.getAttribute('title') ||
    (el.tagName === 'BUTTON' && el.textContent.trim());
  return [...document.querySelectorAll('button, input, select, textarea, [role=tab]')]
    .filter((el) => el.offsetParent !== null && !el.closest('.cm-editor') && !named(el))
    .map((el) => el.outerHTML.slice(0, 120));
}"""


def assert_labelled(person: Person) -> None:
    """Every visible control on the page has an accessible name."""
    assert person.page.evaluate(UNLABELLED) == []
