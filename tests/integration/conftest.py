"""Fixtures shared by the integration tests of more than one folder.

``secured`` serves the access tests, the export-job allowance tests and the clock test; it lives
here, at their common folder, so pytest finds it without the test modules importing it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from ropa.access import principals
from ropa.access.credentials import create_token
from ropa.access.denials import DENIALS
from ropa.access.limiter import LIMITER
from ropa.access.users import add_user
from ropa.settings import get_settings
from tests.conftest import ENGINE, run
from tests.integration.access.access_support import PASSWORD, Secured


def _entity_ids() -> dict[str, str]:
    from ropa.tables import LegalEntity

    return {r["key"]: str(r["id"]) for r in LegalEntity.select(LegalEntity.id, LegalEntity.key).run_sync()}


@pytest.fixture
def secured(demo_database: str) -> Iterator[Secured]:
    """Roles: admin; officer and auditor of TECHEM-DK only; auditor of all; Norway's regulator."""
    from litestar.testing import TestClient

    from ropa.app import create_app

    LIMITER.hits.clear()
    principals.forget()
    DENIALS.clear()
    accounts = {
        "admin": ("t-admin", "admin", [], None),
        "officer": ("t-officer-dk", "compliance_officer", ["TECHEM-DK"], None),
        "auditor": ("t-auditor-dk", "auditor", ["TECHEM-DK"], None),
        "auditor_all": ("t-auditor-all", "auditor", ["*"], None),
        "regulator": ("t-regulator-no", "regulator", [], "NO"),
    }
    tokens = {}
    for role, (username, kind, entities, country) in accounts.items():
        run(add_user(username, kind, PASSWORD, entities, country))
        tokens[role] = run(create_token(username, "test")).secret
    settings = dataclasses.replace(get_settings(), auth_enabled=True, cookie_secure=False)
    app = create_app(settings, pool=ENGINE == "sqlite", integrator=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Secured(client, tokens, _entity_ids())
    DENIALS.clear()
