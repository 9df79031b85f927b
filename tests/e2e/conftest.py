"""End-to-end: a real server (`python -m ropa serve`) on a copy of the demo register, and Debian's Chromium.

The server runs as in production: access control on, the integrator signing checkpoints, one
account per role (ACCOUNTS). Playwright drives `/usr/bin/chromium` (`make chromium` installs it);
it never downloads a browser of its own. Each test opens fresh browser contexts; a role's session
is signed in through the form once and its cookie reused, so the per-source sign-in limit (20 in
15 minutes) is not reached.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ENGINE, Templates, _pg_url, run
from tests.live import free_port, server_env, start, stop

CHROMIUM = os.environ.get("ROPA_E2E_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps calling home, and the closed network refuses it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "correct horse battery staple"
# role -> (username, role, entity keys, authority country)
ACCOUNTS = {
    "officer": ("e2e-officer-dk", "compliance_officer", ["TECHEM-DK"], None),
    "officer2": ("e2e-officer2-dk", "compliance_officer", ["TECHEM-DK"], None),
    "auditor": ("e2e-auditor-dk", "auditor", ["TECHEM-DK"], None),
    "regulator_no": ("e2e-regulator-no", "regulator", [], "NO"),
    "regulator_dk": ("e2e-regulator-dk", "regulator", [], "DK"),
    "admin": ("e2e-admin", "admin", [], None),
    "officer_all": ("e2e-officer-all", "compliance_officer", ["*"], None),
}
TIMEOUT_MS = 15_000

if not Path(CHROMIUM).exists():
    # Never a silent skip: the e2e tests are part of `make test` on both engines.
    raise pytest.UsageError(
        f"the end-to-end tests need Debian's Chromium at {CHROMIUM}: sudo apt-get install chromium "
        "(or `make chromium`)"
    )


@dataclasses.dataclass
class Site:
    """The running server and what the tests need to know about its register."""

    url: str
    ids: dict[str, str]  # entity key -> id
    users: dict[str, str]  # role -> user id
    browser: Any
    log: Path
    states: dict[str, Any] = dataclasses.field(default_factory=dict)

    def context(self, role: str | None = None) -> Any:
        """A fresh browser context, signed in as `role` (its session made once, through the form)."""
        state = self.state(role) if role else None
        context = self.browser.new_context(
            base_url=self.url, locale="en-GB", viewport={"width": 1280, "height": 900}, storage_state=state
        )
        context.set_default_timeout(TIMEOUT_MS)
        return context

    def state(self, role: str) -> Any:
        if role not in self.states:
            context = self.context()
            try:
                sign_in(context.new_page(), role)
                self.states[role] = context.storage_state()
            finally:
                context.close()
        return self.states[role]


def sign_in(page: Any, role: str, next_path: str = "/") -> None:
    """The sign-in form as a person fills it in."""
    from playwright.sync_api import expect

    page.goto(f"/sign-in?next={next_path}")
    page.get_by_label("Username").fill(ACCOUNTS[role][0])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def _prepare(templates: Templates) -> tuple[str, dict[str, str], dict[str, str]]:
    """A fresh copy of the demo register with the accounts: database, user ids, entity ids.

    In a thread of its own: Playwright's sync API keeps an event loop running in the test's thread,
    and the database helpers call asyncio.run.
    """

    def prepare() -> tuple[str, dict[str, str], dict[str, str]]:
        database = templates.fresh("demo", demo=True)
        return (database, *_add_accounts(database))

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(prepare).result()


def _add_accounts(database: str) -> tuple[dict[str, str], dict[str, str]]:
    """The accounts, added through the service, and the entities' ids; the test engine is put back."""
    from ropa.access.users import add_user
    from ropa.db import get_engine
    from ropa.tables import LegalEntity

    engine: Any = get_engine()
    saved = dict(engine.config) if ENGINE == "postgres" else engine.path
    try:
        if ENGINE == "postgres":
            engine.config = {"dsn": _pg_url(database)}
        else:
            engine.path = database
        users = {
            role: str(run(add_user(username, kind, PASSWORD, entities, country)).id)
            for role, (username, kind, entities, country) in ACCOUNTS.items()
        }
        rows = LegalEntity.select(LegalEntity.id, LegalEntity.key).run_sync()
        return users, {r["key"]: str(r["id"]) for r in rows}
    finally:
        if ENGINE == "postgres":
            engine.config = saved
        else:
            engine.path = saved


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)  # a loaded machine (2 cores, PostgreSQL beside) is slow

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="package")
def site(templates: Templates, browser: Any) -> Iterator[Site]:
    """A real server with access control on over a fresh copy of the demo register."""
    database, users, ids = _prepare(templates)
    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="ropa-e2e-"))
    log = work / "server.log"
    server = start(port, server_env(database), log)
    try:
        yield Site(f"http://127.0.0.1:{port}", ids, users, browser, log)
    finally:
        stop(server)
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture
def open_as(site: Site) -> Iterator[Callable[..., Any]]:
    """`open_as(role)` -> a page in a fresh context signed in as role (None: nobody); closed afterwards."""
    contexts: list[Any] = []
    logged = site.log.stat().st_size

    def open_(role: str | None = None) -> Any:
        context = site.context(role)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()
    # What the server logged meanwhile (warnings and errors); pytest shows it when the test fails.
    with site.log.open("rb") as log:
        log.seek(logged)
        print(log.read().decode(errors="replace")[-5000:])


@pytest.fixture(scope="package")
def shots() -> Iterator[Path]:
    """Where the screenshots go: $ROPA_E2E_SCREENSHOTS, or a temp dir removed afterwards."""
    wanted = os.environ.get("ROPA_E2E_SCREENSHOTS")
    if wanted:
        path = Path(wanted)
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    path = Path(tempfile.mkdtemp(prefix="ropa-e2e-shots-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def shoot(shots: Path) -> Callable[[Any, str], Path]:
    """`shoot(page, name)`: a full-page screenshot of what the page shows now, as shots/<name>.png."""

    def take(page: Any, name: str) -> Path:
        path = shots / f"{name}.png"
        page.screenshot(path=str(path), full_page=True, animations="disabled")
        return path

    return take
