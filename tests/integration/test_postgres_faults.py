"""PostgreSQL taken away mid-request, and several server processes behind one PostgreSQL.

1. A private cluster (tests/pgcluster.py; the shared server serves other tests) is stopped while
   requests and the audit integrator are blocked inside their transactions, then started again
   on the same port. Every answer meanwhile is a 200/201 or a 503 problem+json, never a 500 or a
   hang; the same server process answers 200 again without a restart; every acknowledged write
   is in the register with its audit event, and the integrator, which died mid-batch with its
   connection, integrates everything and signs a checkpoint again.
2. Three ``ropa serve`` processes with their integrators on one database take concurrent writes;
   the one holding the integrator's advisory lock mid-batch is killed with SIGKILL; the others
   carry on. The log's leaves are gap-free, every event is in it exactly once, and it verifies.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from tests import pgcluster
from tests.conftest import ENGINE, ROOT, _cli, _fresh_anchor, _pg_url
from tests.integration.audit.support import assert_writes_kept, db_env, events, leaves, sql, tree_size, verify
from tests.live import free_port

pytestmark = [
    pytest.mark.slow,  # starts a PostgreSQL cluster or three server processes; 5 to 30 s each
    pytest.mark.skipif(ENGINE != "postgres", reason="PostgreSQL faults; this runs in the PostgreSQL pass"),
]

PROBLEM_JSON = "application/problem+json"
HANG = 20.0  # seconds: an answer slower than this is a hang
SETTLE = 45.0  # seconds: generous bound for whatever must happen eventually


def wait_for(
    what: str, check: Callable[[], bool], timeout: float = SETTLE, detail: Callable[[], str] = str
) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout:.0f} s: {what}\n{detail()}")
        time.sleep(0.1)


class Server:
    """``python -m ropa serve`` with its background integrator, logging to a file."""

    def __init__(self, env: dict[str, str], name: str, logdir: Path) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.logfile = logdir / f"{name}.log"
        with self.logfile.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "ropa", "serve", "--port", str(self.port)],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def ready(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"server {self.name} exited:\n{self.log()}")
        try:
            return httpx.get(f"{self.url}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def log(self) -> str:
        return self.logfile.read_text(errors="replace")

    def unhandled(self) -> str:
        """The log lines of answers that were 500s."""
        return "\n".join(line[:600] for line in self.log().splitlines() if "http.unhandled_error" in line)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@contextlib.contextmanager
def servers(env: dict[str, str], count: int) -> Iterator[list[Server]]:
    """``count`` servers on one database, started together; killed whatever happens."""
    logdir = Path(tempfile.mkdtemp(prefix="ropa-faults-"))
    started: list[Server] = []
    try:
        for n in range(count):
            # The application name tells the servers' PostgreSQL sessions apart in pg_stat_activity.
            url = f"{env['ROPA_DATABASE_URL']}?application_name=ropa-{n}"
            started.append(Server({**env, "ROPA_DATABASE_URL": url}, f"ropa-{n}", logdir))
        for server in started:
            wait_for(f"{server.name} answers /health", server.ready, 60, server.log)
        yield started
    finally:
        for server in started:
            server.kill()
        for server in started:
            server.logfile.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            logdir.rmdir()


def server_env(url: str) -> dict[str, str]:
    env = {
        **db_env("set below"),  # the test keys; the database is ``url``
        "ROPA_DATABASE_URL": url,
        "ROPA_AUTH": "off",
        "ROPA_RUN_INTEGRATOR": "1",
        "ROPA_INTEGRATE_INTERVAL": "0.05",
        "ROPA_CHECKPOINT_EVERY": "25",
        "ROPA_CHECKPOINT_SECONDS": "1",
        "ROPA_LOG_LEVEL": "WARNING",
    }
    env.pop("ROPA_SQLITE_SYNCHRONOUS", None)
    return env


class Load:
    """Writers that create processors and rename them, each against one of ``urls``.

    They remember what was acknowledged; a 503 must be problem+json saying 503; anything else
    (a 500, another status, no answer within HANG seconds) is kept in ``bad``.
    """

    def __init__(self, urls: list[str], writers: int) -> None:
        self.urls = urls
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.created: list[str] = []
        self.updated: list[tuple[str, int]] = []
        self.unavailable = 0
        self.bad: list[str] = []
        self.gone: set[str] = set()  # servers killed on purpose: no answer from them is expected
        self.pool = ThreadPoolExecutor(writers)
        self.futures = [self.pool.submit(self.writer, n) for n in range(writers)]

    def _ok(self, url: str, method: str, response: httpx.Response) -> bool:
        if response.status_code in (200, 201):
            return True
        if (
            response.status_code == 503
            and response.headers.get("content-type", "").startswith(PROBLEM_JSON)
            and response.json().get("status") == 503
        ):
            with self.lock:
                self.unavailable += 1
            time.sleep(0.05)
            return False
        with self.lock:
            self.bad.append(f"{method} {url}: {response.status_code} {response.text[:300]}")
        return False

    def writer(self, n: int) -> None:
        count = 0
        while not self.stop.is_set():
            url = self.urls[n % len(self.urls)]
            count += 1
            key = f"P-{n}-{count}-{time.monotonic_ns()}"
            try:
                with httpx.Client(base_url=url, timeout=HANG) as http:
                    made = http.post("/api/processors", json={"entity": "ACME-DK", "key": key, "name": key})
                    if not self._ok(url, "POST", made):
                        continue
                    record = made.json()
                    with self.lock:
                        self.created.append(record["id"])
                    body = {"key": key, "name": f"{key} renamed", "version": record["version"]}
                    changed = http.put(f"/api/processors/{record['id']}", json=body)
                    if self._ok(url, "PUT", changed):
                        with self.lock:
                            self.updated.append((record["id"], changed.json()["version"]))
            except httpx.HTTPError as exc:
                if url not in self.gone:
                    with self.lock:
                        self.bad.append(f"{url}: no answer ({type(exc).__name__})")
                time.sleep(0.05)

    def acknowledged(self) -> int:
        with self.lock:
            return len(self.created)

    def retarget(self, urls: list[str]) -> None:
        self.urls = urls

    def finish(self) -> None:
        self.stop.set()
        for future in self.futures:
            future.result(timeout=2 * HANG)
        self.pool.shutdown()


# --- the register and the log ----------------------------------------------------------------


def pending() -> int:
    return int(
        sql(
            "SELECT COUNT(*) AS n FROM audit_event e WHERE NOT EXISTS "
            "(SELECT 1 FROM audit_leaf l WHERE l.event_id = e.event_id)"
        )[0]["n"]
    )


def integrated_and_signed() -> bool:
    """The servers' integrators took every event and signed a checkpoint of the whole tree."""
    if pending():
        return False
    signed = sql("SELECT MAX(tree_size) AS n FROM audit_checkpoint")[0]["n"]
    return signed is not None and int(signed) == tree_size()


def assert_register_and_log(load: Load) -> None:
    """Every acknowledged write is stored with its event; the log holds each event once and verifies."""
    assert_writes_kept(load.created, load.updated)
    all_events = events()

    rows = leaves()
    assert [r["seq"] for r in rows] == list(range(len(rows))), "the log has a gap"
    integrated = [r["event_id"] for r in rows]
    assert len(set(integrated)) == len(integrated), "an event was integrated twice"
    assert set(integrated) == {e["event_id"] for e in all_events}, "an event is missing from the log"
    sizes = [r["tree_size"] for r in sql("SELECT tree_size FROM audit_checkpoint ORDER BY tree_size")]
    assert len(set(sizes)) == len(sizes), "two checkpoints for one tree size"
    report = verify()
    assert report.ok, report.summary()
    assert report.tree_size == len(all_events) and report.checkpoints >= 2


# --- PostgreSQL at hand, from the test --------------------------------------------------------


class Session:
    """One PostgreSQL session the test holds open across steps (its own event loop)."""

    def __init__(self, url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.connection: asyncpg.Connection = self.loop.run_until_complete(asyncpg.connect(url))

    def execute(self, query: str) -> None:
        self.loop.run_until_complete(self.connection.execute(query))

    def fetch(self, query: str, *args: Any) -> list[dict[str, Any]]:
        return [dict(r) for r in self.loop.run_until_complete(self.connection.fetch(query, *args))]

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the server may be gone, with the session
            self.loop.run_until_complete(asyncio.wait_for(self.connection.close(), 5))
        self.connection.terminate()
        self.loop.close()


WAITING = (
    "SELECT a.application_name, c.relname FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "JOIN pg_class c ON c.oid = l.relation WHERE l.locktype = 'relation' AND NOT l.granted "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def blocked(session: Session, table: str) -> list[str]:
    """Application names of the sessions waiting for a lock on ``table``."""
    return [r["application_name"] for r in session.fetch(WAITING) if r["relname"] == table]


def connected(session: Session) -> list[str]:
    """Application names of the sessions open on the database."""
    query = "SELECT application_name FROM pg_stat_activity WHERE datname = current_database()"
    return [r["application_name"] for r in session.fetch(query)]


def integrating(session: Session) -> list[str]:
    """Application names of the sessions holding the integrator's advisory lock."""
    return [
        r["application_name"]
        for r in session.fetch(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"
        )
    ]


def wrote(session: Session, name: str, table: str) -> bool:
    """Whether session ``name`` has written to ``table`` in its open transaction."""
    return bool(
        session.fetch(
            "SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "JOIN pg_class c ON c.oid = l.relation WHERE a.application_name = $1 AND c.relname = $2 "
            "AND l.mode = 'RowExclusiveLock' AND l.granted",
            name,
            table,
        )
    )


ACTIVITY = (
    "SELECT application_name, state, wait_event_type, wait_event, now() - xact_start AS in_transaction, "
    "left(query, 120) AS query FROM pg_stat_activity WHERE datname = current_database()"
)


def catch_integrator_mid_batch(url: str, log: Callable[[], str] = str) -> tuple[Session, str]:
    """A session whose open transaction holds an integrator inside its batch, after it wrote
    leaves and before it commits; and the application name of the server it runs in.

    A first session holds the integrator where its batch starts (the tree size, audit_leaf) until
    two events are waiting; two leaves complete a subtree, so the batch then writes its leaves and
    waits to write audit_node, which the returned session keeps from writers (SHARE: readers pass).
    Each session holds one table and the integrator waits for one at a time: no deadlock.
    """
    start, held = Session(url), Session(url)
    try:
        start.execute("BEGIN; LOCK TABLE audit_leaf IN ACCESS EXCLUSIVE MODE")
        wait_for(
            "an integrator waits where its batch starts",
            lambda: bool(blocked(start, "audit_leaf")),
            detail=lambda: f"{start.fetch(ACTIVITY)}\n{log()[-3000:]}",
        )
        holders = integrating(start)
        assert len(holders) == 1, f"the integrator's advisory lock is held by {holders}"
        held.execute("BEGIN; LOCK TABLE audit_node IN SHARE MODE")
        wait_for("two events wait for integration", lambda: pending_in(start) >= 2)
        start.execute("ROLLBACK")
        wait_for(
            "the integrator wrote leaves and waits to write their subtrees",
            lambda: bool(blocked(held, "audit_node")) and wrote(held, holders[0], "audit_leaf"),
            detail=lambda: f"{held.fetch(ACTIVITY)}\n{log()[-3000:]}",
        )
        assert integrating(held) == holders
    except BaseException:
        held.close()
        raise
    finally:
        start.close()
    return held, holders[0]


def pending_in(session: Session) -> int:
    query = (
        "SELECT COUNT(*) AS n FROM audit_event e WHERE NOT EXISTS "
        "(SELECT 1 FROM audit_leaf l WHERE l.event_id = e.event_id)"
    )
    return int(session.fetch(query)[0]["n"])


@contextlib.contextmanager
def engine_at(url: str) -> Iterator[None]:
    """Point this process's engine (sql, events, verify) at ``url`` for the test."""
    from ropa.db import get_engine

    engine: Any = get_engine()
    saved = dict(engine.config)
    engine.config = {"dsn": url}
    try:
        yield
    finally:
        engine.config = saved


@pytest.fixture
def cluster() -> Iterator[pgcluster.Cluster]:
    """A private PostgreSQL cluster with a migrated register; removed whatever happens."""
    if reason := pgcluster.problem():
        pytest.fail(f"the PostgreSQL fault tests need a private cluster, and cannot make one: {reason}")
    made = pgcluster.Cluster()
    try:
        made.start()
        made.create_database("ropa")
        _fresh_anchor(f"cluster-{uuid.uuid4().hex[:8]}")  # a new log: its own anchored checkpoint
        _cli({"ROPA_DATABASE_URL": made.url("ropa")}, "migrate")
        yield made
    finally:
        made.destroy()


def create_entity(url: str) -> None:
    made = httpx.post(
        f"{url}/api/entities",
        json={"key": "ACME-DK", "legal_name": "Acme Danmark ApS", "country": "DK"},
        timeout=HANG,
    )
    assert made.status_code == 201, made.text


# --- 1. PostgreSQL stopped mid-request --------------------------------------------------------


@pytest.mark.parametrize("mode", ["immediate", "fast"])
def test_postgres_stopped_mid_request_then_back(cluster: pgcluster.Cluster, mode: str) -> None:
    url = cluster.url("ropa")
    with engine_at(url), servers(server_env(url), 1) as (server,):
        create_entity(server.url)
        load = Load([server.url], writers=4)
        try:
            wait_for("20 acknowledged creates", lambda: load.acknowledged() >= 20)

            # Hold the integrator inside its batch and writers inside their transactions, then take
            # PostgreSQL away from under them.
            session, integrator = catch_integrator_mid_batch(url, server.log)
            try:
                assert integrator == "ropa-0"
                session.execute("LOCK TABLE processor IN ACCESS EXCLUSIVE MODE")
                wait_for(
                    "a write request waits inside its transaction",
                    lambda: bool(blocked(session, "processor")),
                    detail=lambda: str(session.fetch(WAITING)),
                )
                cluster.stop(mode)
            finally:
                session.close()
            before = load.acknowledged()

            # While PostgreSQL is away: a clean 503 problem+json, for reads and writes alike.
            wait_for("writers see 503 answers", lambda: load.unavailable >= 10, detail=lambda: str(load.bad))
            for method, path, body in [
                ("GET", "/api/processors", None),
                ("POST", "/api/processors", {"entity": "ACME-DK", "key": "P-away", "name": "away"}),
            ]:
                answer = httpx.request(method, f"{server.url}{path}", json=body, timeout=HANG)
                assert answer.status_code == 503, answer.text
                assert answer.headers["content-type"].startswith(PROBLEM_JSON)
                assert answer.json()["status"] == 503
                assert answer.headers["retry-after"] == "5", "a 503 tells the client when to retry"

            cluster.start()
            wait_for(
                "the same server process answers 200 again",
                lambda: httpx.get(f"{server.url}/api/processors", timeout=HANG).status_code == 200,
            )
            assert server.process.poll() is None, "the server process exited"
            wait_for("writes are acknowledged again", lambda: load.acknowledged() >= before + 20)
        finally:
            load.finish()

        assert not load.bad, "\n".join(load.bad[:20]) + "\n" + server.unhandled()
        # The integrator was killed mid-batch with its connection; it must carry on by itself.
        wait_for(
            "the server's integrator takes every event and signs a checkpoint",
            integrated_and_signed,
            detail=lambda: f"pending {pending()}\n{server.log()[-3000:]}",
        )
        # And it stops when told to: no connection was left checked out of the pool by the outage.
        server.process.send_signal(signal.SIGINT)
        try:
            server.process.wait(timeout=SETTLE)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the server did not stop on SIGINT within {SETTLE:.0f} s:\n{server.log()[-3000:]}")
        log = server.log()
    assert "http.unhandled_error" not in log, log[-5000:]
    # The integrator said it could not reach the database; it did not die silently.
    assert "db.unavailable" in log and "audit.integrator_error" in log, log[-5000:]
    with engine_at(url):
        assert_register_and_log(load)


# --- 2. several server processes behind one PostgreSQL ---------------------------------------


def test_three_servers_one_database_leader_killed(database: str) -> None:
    url = _pg_url(database)
    with servers(server_env(url), 3) as started:
        urls = [s.url for s in started]
        create_entity(urls[0])
        load = Load(urls, writers=6)
        try:
            wait_for("40 acknowledged creates", lambda: load.acknowledged() >= 40)
            wait_for("the servers integrate as they go", lambda: tree_size() >= 40)

            # Catch the integrator holding the advisory lock in the middle of a batch, and kill it.
            session, integrator = catch_integrator_mid_batch(url, lambda: "\n".join(s.log() for s in started))
            try:
                (leader,) = [s for s in started if s.name == integrator]
                load.gone.add(leader.url)
                leader.kill()
                load.retarget([s.url for s in started if s is not leader])
                session.execute("ROLLBACK")
                wait_for(
                    "the killed server's session ends, and its lock with it",
                    lambda: leader.name not in connected(session),
                )
            finally:
                session.close()

            before = load.acknowledged()
            wait_for("the survivors acknowledge 40 more creates", lambda: load.acknowledged() >= before + 40)
        finally:
            load.finish()

        assert not load.bad, "\n".join([*load.bad[:20], *(s.unhandled() for s in started)])
        survivors = [s for s in started if s is not leader]
        wait_for(
            "the surviving integrators take every event and sign a checkpoint",
            integrated_and_signed,
            detail=lambda: f"pending {pending()}\n" + "\n".join(s.log()[-2000:] for s in survivors),
        )
        for server in survivors:
            assert server.process.poll() is None
            assert "http.unhandled_error" not in server.log(), server.log()[-5000:]
    assert_register_and_log(load)
