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

import signal
import subprocess
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests import pgcluster
from tests.conftest import ENGINE, _cli, _fresh_anchor, _pg_url
from tests.integration.audit.support import tree_size
from tests.integration.fault_database_support import (
    WAITING,
    assert_register_and_log,
    blocked,
    catch_integrator_mid_batch,
    connected,
    engine_at,
    integrated_and_signed,
    pending,
)
from tests.integration.fault_servers_support import (
    HANG,
    PROBLEM_JSON,
    SETTLE,
    Load,
    create_entity,
    server_env,
    servers,
    wait_for,
)

pytestmark = [
    pytest.mark.slow,  # starts a PostgreSQL cluster or three server processes; 5 to 30 s each
    pytest.mark.skipif(ENGINE != "postgres", reason="PostgreSQL faults; this runs in the PostgreSQL pass"),
]


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
