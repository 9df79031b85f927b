"""The served OpenAPI document is the committed one (docs/openapi.json): client generators and reviewers
diff it, so a change to the API shows in the change that makes it."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

from ropa.app import schema_document

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_served_schema_is_the_committed_one() -> None:
    served = schema_document()
    committed = COMMITTED.read_text(encoding="utf-8")
    if served != committed:
        diff = "".join(
            difflib.unified_diff(
                committed.splitlines(keepends=True),
                served.splitlines(keepends=True),
                "docs/openapi.json",
                "served",
                n=2,
            )
        )
        raise AssertionError(
            "the API changed: review the difference, then run `.venv/bin/ropa openapi -o docs/openapi.json`"
            f"\n{diff[:6000]}"
        )


def test_two_starts_serve_the_same_schema() -> None:
    assert schema_document() == schema_document()


def test_no_success_answer_is_a_free_form_object() -> None:
    """Every JSON success answer names its fields, so the conformance walk checks what comes back."""
    schema = json.loads(schema_document())
    components = schema.get("components", {}).get("schemas", {})

    def free_form(node: dict) -> bool:
        if "$ref" in node:
            return False
        if node.get("type") == "object" and not node.get("properties"):
            extra = node.get("additionalProperties", True)
            return extra in (True, {}) or not isinstance(extra, dict)  # a map of typed values is fine
        return any(free_form(n) for n in node.get("oneOf", []) + node.get("anyOf", []))

    loose = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation.get("responses", {}).items():
                if not status.startswith("2"):
                    continue
                media = answer.get("content", {}).get("application/json")
                if media and free_form(media.get("schema", {})):
                    loose.append(f"{method.upper()} {path} {status}")
    assert not loose, f"free-form object answers: {loose}"
    assert components  # the named answers are documented once, as components
