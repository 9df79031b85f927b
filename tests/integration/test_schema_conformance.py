"""Every operation's success answers, reached with real ids, validated against the served OpenAPI schema.

The fuzzing (test_fuzz_api.py) generates its requests: a random id rarely names a record, so most
of what it sees are 4xx answers. This test walks a real server over the demo register through every
operation in the schema with ids read back from the server: it reads, lists (with a cursor), writes,
retires, reactivates and reads the history of a record of every kind, reads the audit log, its
proofs, entries, downloads and bundle, dumps, imports and rebuilds the register as of a moment,
lists the findings and accepts one, exports (PDF, workbook, in the foreground and as jobs), and
manages users, tokens and a signed-in session. schemathesis checks every answer against the
operation it came from, whatever its status: the status code is documented, the content type is
one the schema gives for it, a JSON body validates against the documented schema, and the
documented headers are there and valid.

Then the coverage: every documented success status of every operation, in each documented media
type, was answered at least once. A new route, status or media type without a step in the walk fails
with its name (add a step to `_walk_register`/`_walk_access` in schema_walk_support.py, or, when no
request can reach it, an entry with the reason in NOT_REACHED).

Access control is off for the register walk (one server); a second server over the same database
with access control on serves the session routes (`/api/auth/me`, sign-out) that need a principal.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Templates
from tests.integration.schema_api_support import Api, Log
from tests.integration.schema_walk_support import _walk_access, _walk_register
from tests.live import free_port, server_env, start, stop

# "METHOD /path" -> why no request of the walk can get a success answer from it. Empty: every
# operation is reached. An entry that the walk does reach fails the coverage test (it is stale).
NOT_REACHED: dict[str, str] = {}


@contextlib.contextmanager
def _server(database: str, auth: bool, work: Path, log: Log) -> Iterator[str]:
    """A server over `database`; its log kept in `log` when it stops."""
    path = work / f"server-auth-{'on' if auth else 'off'}.log"
    port = free_port()
    process = start(port, server_env(database, auth=auth), path)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)
        log.server_logs[path.name] = path.read_text(errors="replace")


@pytest.fixture(scope="module")
def walk(templates: Templates) -> Iterator[Log]:
    """Both walks over one copy of the demo: access control off, then on (the same database)."""
    database = templates.fresh("demo", demo=True)
    work = Path(tempfile.mkdtemp(prefix="ropa-conformance-"))
    log = Log()
    try:
        with _server(database, False, work, log) as base_url:
            api = Api(base_url, log)
            log.spec = api.spec
            admin_token = _walk_register(api)
        with _server(database, True, work, log) as base_url:
            # The schema itself is for signed-in callers.
            api = Api(base_url, log, schema_headers={"authorization": f"Bearer {admin_token}"})
            _walk_access(api, admin_token)
        yield log
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _documented_successes(spec: dict[str, Any]) -> set[tuple[str, int, str]]:
    """Every operation's 2xx answers, one per documented media type ("" when it documents none)."""
    successes = set()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, answer in operation["responses"].items():
                if status.startswith("2"):
                    for media_type in answer.get("content") or {"": None}:
                        successes.add((f"{method.upper()} {path}", int(status), media_type.lower()))
    return successes


def test_every_answer_matches_the_schema(walk: Log) -> None:
    if walk.drift:
        pytest.fail(f"{len(walk.drift)} answers off the schema:\n\n" + "\n\n".join(walk.drift), pytrace=False)


def test_every_documented_success_is_answered(walk: Log) -> None:
    documented = _documented_successes(walk.spec)
    operations = {label for label, _, _ in documented}
    assert len(operations) > 40, "the whole API is walked"
    answered = {
        (label, status, media_type if (label, status, media_type) in documented else "")
        for label, status, media_type in walk.answers
    }
    missing = sorted(
        f"{label}: {status} {media_type or '(no body)'}"
        for label, status, media_type in documented - answered
        if label not in NOT_REACHED
    )
    reached = {label for label, status, _ in walk.answers if 200 <= status < 300}
    stale = sorted(
        f"{label}: {why}" for label, why in NOT_REACHED.items() if label in reached or label not in operations
    )
    problems = []
    if missing:
        problems.append(
            "Documented success answers the walk never got (add a step to tests/integration/"
            "schema_walk_support.py, or the operation to NOT_REACHED with the reason no request can "
            "get one):\n" + "\n".join(missing)
        )
    if stale:
        problems.append(
            "NOT_REACHED names operations that are reached, or not in the schema:\n" + "\n".join(stale)
        )
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


def test_the_servers_logged_no_traceback(walk: Log) -> None:
    for name, text in walk.server_logs.items():
        assert "Traceback" not in text, f"{name}:\n{text[-4000:]}"
