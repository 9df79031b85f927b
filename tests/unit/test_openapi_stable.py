"""The served OpenAPI schema is the same document on every start (client generators diff it)."""

from __future__ import annotations

import json

from ropa.app import create_app


def _schema() -> str:
    app = create_app(pool=False, integrator=False)
    return json.dumps(app.openapi_schema.to_schema(), sort_keys=True)


def test_two_starts_serve_the_same_schema() -> None:
    assert _schema() == _schema()
