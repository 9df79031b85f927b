"""Schemathesis against the served OpenAPI schema of a real server over the demo register.

Every operation gets a bounded number of generated requests (fixed seed: the same run every time),
valid and invalid alike; no answer may be a 5xx, and every answer must match the schema: its status
code is documented, its content type is one the schema gives for that status, and a JSON body
(application/json, application/problem+json) validates against the documented schema. Files (CSV,
JSON lines, ZIP, PDF, XLSX) are checked by content type only: schemathesis does not parse them.
Access control is off here so that the generated requests reach the handlers; the access tests walk
the same routes with every role.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import Templates
from tests.live import free_port, server_env, start, stop

EXAMPLES = 12  # generated requests per operation
# Status codes, content types and bodies. The schema says so truthfully because a list page names its
# view ("view": "full" or "summary", required: the oneOf of the two page types matches exactly one),
# and the downloads document their real media types (ropa/openapi.py: file_answer).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def server(templates: Templates) -> Iterator[str]:
    database = templates.fresh("demo", demo=True)
    work = Path(tempfile.mkdtemp(prefix="ropa-fuzz-"))
    port = free_port()
    process = start(port, server_env(database, auth=False), work / "server.log")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)
        log = (work / "server.log").read_text(errors="replace")
        shutil.rmtree(work, ignore_errors=True)
        assert "Traceback" not in log, log[-4000:]


def _fuzz(operation: Any, mode: GenerationMode, base_url: str) -> str | None:
    """Run one operation's generated requests; the first failure, shrunk by hypothesis, as text."""

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,  # a fixed seed: the same requests every run
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        case.call_and_validate(base_url=base_url, checks=CHECKS, timeout=60)

    try:
        run()
    except Unsatisfiable:  # no invalid request exists (an operation without parameters): none to send
        return None
    except (Exception, BaseExceptionGroup) as exc:  # keep going: report every operation that fails
        return f"{operation.label} ({mode.value}): {exc}"[:3000]
    return None


def test_no_generated_request_gets_a_server_error_or_an_answer_outside_the_schema(server: str) -> None:
    schema = schemathesis.openapi.from_url(f"{server}/schema/openapi.json")
    # An operation the schema cannot describe raises here, and fails the test.
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) > 40, "the whole API is fuzzed"
    failures = [
        failure
        for operation in operations
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        if (failure := _fuzz(operation, mode, server)) is not None
    ]
    assert not failures, "\n\n".join(failures)
