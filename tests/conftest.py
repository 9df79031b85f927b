"""Test harness: the real migrations, once per run, on SQLite or PostgreSQL; a fresh copy per test.

``ROPA_TEST_ENGINE=postgres`` (with ``ROPA_TEST_POSTGRES_URL``) runs the same suite against
PostgreSQL; ``make test`` does both. A PostgreSQL run fails, never skips, if the server is away.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENGINE = os.environ.get("ROPA_TEST_ENGINE", "sqlite")
PG_URL = os.environ.get("ROPA_TEST_POSTGRES_URL", "")
WORK = Path(tempfile.mkdtemp(prefix="ropa-test-"))
RUN = uuid.uuid4().hex[:8]

os.environ.update(
    ROPA_AUDIT_KEY_FILE=str(WORK / "audit-key.pem"),
    ROPA_SOURCE_HASH_KEY_FILE=str(WORK / "source.key"),
    ROPA_RUN_INTEGRATOR="0",
    ROPA_LOG_LEVEL="WARNING",
    ROPA_SQLITE_SYNCHRONOUS="OFF",  # test databases are throwaway copies
    # The functional suite runs as a trusted caller; tests/integration/access switch it on.
    ROPA_AUTH="off",
    # Exports render in a thread, where a test's monkeypatch reaches them; test_export_worker.py
    # covers the served app's worker process.
    ROPA_EXPORT_RENDER_PROCESS="0",
)
if ENGINE == "postgres":
    if not PG_URL:
        raise RuntimeError("ROPA_TEST_ENGINE=postgres needs ROPA_TEST_POSTGRES_URL")
    os.environ["ROPA_DATABASE_URL"] = PG_URL
else:
    os.environ.pop("ROPA_DATABASE_URL", None)
    os.environ["ROPA_SQLITE_PATH"] = str(WORK / "session.sqlite")


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run service code from a synchronous test (no pool: every query opens its own connection)."""
    return asyncio.run(coro)


def _pg_url(database: str) -> str:
    parts = urlsplit(PG_URL)
    return urlunsplit(parts._replace(path=f"/{database}"))


def _pg_admin(sql: str) -> None:
    import asyncpg

    async def go() -> None:
        connection = await asyncpg.connect(PG_URL)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(go())


def _cli(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ropa", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(f"ropa {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def _fresh_anchor(name: str) -> None:
    """A copied database is a log of its own: give it its own anchor file, as an installation has.

    The file starts absent, so the first integrator adopts the copy's latest signed checkpoint."""
    from ropa.auditing.integrator import integrator
    from ropa.settings import get_settings

    os.environ["ROPA_AUDIT_CHECKPOINT_FILE"] = str(WORK / f"{name}.checkpoint")
    get_settings.cache_clear()
    integrator.cache_clear()


class Templates:
    """Migrated databases made once per run; each test gets its own copy of one of them."""

    def __init__(self) -> None:
        self.made: dict[str, str] = {}
        self.copies: list[str] = []

    def template(self, name: str, demo: bool) -> str:
        if name not in self.made:
            if ENGINE == "postgres":
                database = f"ropa_tpl_{name}_{RUN}"
                _pg_admin(f'CREATE DATABASE "{database}"')
                env = {"ROPA_DATABASE_URL": _pg_url(database)}
                self.made[name] = database
            else:
                path = str(WORK / f"template-{name}.sqlite")
                env = {"ROPA_SQLITE_PATH": path}
                self.made[name] = path
            # Each log keeps its own anchored checkpoint, as each installation does.
            env["ROPA_AUDIT_CHECKPOINT_FILE"] = str(WORK / f"template-{name}.checkpoint")
            _cli(env, "migrate")
            if demo:
                _cli(env, "seed", "--demo")
        return self.made[name]

    def fresh(self, name: str, demo: bool) -> str:
        template = self.template(name, demo)
        copy = f"ropa_t_{RUN}_{len(self.copies)}"
        if ENGINE == "postgres":
            _pg_admin(f'CREATE DATABASE "{copy}" TEMPLATE "{template}"')
        else:
            copy = str(WORK / f"{copy}.sqlite")
            shutil.copy(template, copy)
        self.copies.append(copy)
        _fresh_anchor(f"ropa_t_{RUN}_{len(self.copies)}")
        return copy

    def drop_all(self) -> None:
        if ENGINE == "postgres":
            for database in [*self.copies, *self.made.values()]:
                _pg_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(WORK, ignore_errors=True)


@pytest.fixture(scope="session")
def templates() -> Iterator[Templates]:
    made = Templates()
    yield made
    made.drop_all()


def _point_engine_at(database: str) -> None:
    from ropa.db import get_engine

    engine: Any = get_engine()
    if ENGINE == "postgres":
        engine.config = {"dsn": _pg_url(database)}
    else:
        engine.path = database


@pytest.fixture
def database(templates: Templates) -> str:
    """An empty, migrated register (built-in vocabularies only)."""
    copy = templates.fresh("empty", demo=False)
    _point_engine_at(copy)
    return copy


@pytest.fixture
def demo_database(templates: Templates) -> str:
    """A migrated register holding the Techem demo."""
    copy = templates.fresh("demo", demo=True)
    _point_engine_at(copy)
    return copy


def _client() -> Any:
    from litestar.testing import TestClient

    from ropa.app import create_app

    # On SQLite the app opens its long-lived reader as in production; an asyncpg pool would be
    # bound to the client's event loop, which test code calling services cannot share.
    app = create_app(pool=ENGINE == "sqlite", integrator=False)
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def client(database: str) -> Iterator[Any]:
    with _client() as test_client:
        yield test_client


@pytest.fixture
def demo_client(demo_database: str) -> Iterator[Any]:
    with _client() as test_client:
        yield test_client


def pytest_report_header() -> str:
    return f"ropa test engine: {ENGINE}"


# A PDF export is a pure function of its HTML and its PDF options: the same state and options give the
# same bytes (tests/integration/exports/test_export_pdf.py asserts it on fresh renders). So within one
# run a document whose HTML and options were rendered already is not laid out again: most export tests
# render the unchanged demo register in the same language and layout, and WeasyPrint is most of the
# suite's time. A test that compares two renders is marked ``fresh_render`` and renders every time.
_RENDERED: dict[bytes, tuple[bytes, list[tuple[Any, ...]]]] = {}
_REUSED: list[bytes] = []


@pytest.fixture(autouse=True)
def _render_each_document_once(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("fresh_render"):
        return
    from exports import pdf

    render = pdf.render_pdf

    def once(doc: Any, progress: Any) -> bytes:
        key = hashlib.sha256(repr((pdf.render_html(doc), pdf.option_values(doc))).encode()).digest()
        if key not in _RENDERED:
            stages: list[tuple[Any, ...]] = []

            def record(*args: Any) -> None:
                stages.append(args)
                progress(*args)

            _RENDERED[key] = (render(doc, record), stages)
            return _RENDERED[key][0]
        content, stages = _RENDERED[key]
        _REUSED.append(key)
        for stage in stages:  # the progress a job reports, as the render reported it
            progress(*stage)
        return content

    monkeypatch.setattr(pdf, "render_pdf", once)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _RENDERED:
        terminalreporter.write_line(f"PDF documents rendered: {len(_RENDERED)}; reused: {len(_REUSED)}")
