"""An app with access control switched on, and one API token per role (some scoped to one entity)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from ropa.access import services
from ropa.access.denials import DENIALS
from ropa.settings import get_settings
from tests.conftest import ENGINE, run

PASSWORD = "correct horse battery staple"


@dataclasses.dataclass
class Secured:
    client: Any
    tokens: dict[str, str]
    ids: dict[str, str]

    def as_(self, role: str) -> dict[str, str]:
        return {"authorization": f"Bearer {self.tokens[role]}"} if role != "anonymous" else {}


def _entity_ids() -> dict[str, str]:
    from ropa.tables import LegalEntity

    return {r["key"]: str(r["id"]) for r in LegalEntity.select(LegalEntity.id, LegalEntity.key).run_sync()}


@pytest.fixture
def secured(demo_database: str) -> Iterator[Secured]:
    """Roles: admin; officer and auditor of TECHEM-DK only; auditor of all; Norway's regulator."""
    from litestar.testing import TestClient

    from ropa.app import create_app

    services.LIMITER.hits.clear()
    services.CACHE.clear()
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
        run(services.add_user(username, kind, PASSWORD, entities, country))
        tokens[role] = run(services.create_token(username, "test")).secret
    settings = dataclasses.replace(get_settings(), auth_enabled=True, cookie_secure=False)
    app = create_app(settings, pool=ENGINE == "sqlite", integrator=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Secured(client, tokens, _entity_ids())
    DENIALS.clear()
