"""The ``web`` fixture of the web-interface tests: the demo register behind a browser-like client."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from ropa.access import principals
from ropa.access.limiter import LIMITER
from ropa.access.users import add_user
from ropa.settings import get_settings
from tests.conftest import ENGINE, run
from tests.integration.web.web_support import ACCOUNTS, PASSWORD, Web


def _entity_ids() -> dict[str, str]:
    from ropa.tables import LegalEntity

    return {r["key"]: str(r["id"]) for r in LegalEntity.select(LegalEntity.id, LegalEntity.key).run_sync()}


@pytest.fixture
def web(demo_database: str) -> Iterator[Web]:
    """The demo register, access control on, one account per role (see ACCOUNTS), nobody signed in."""
    from litestar.testing import TestClient

    from ropa.app import create_app

    LIMITER.hits.clear()
    principals.forget()
    for username, role, entities, country in ACCOUNTS.values():
        run(add_user(username, role, PASSWORD, entities, country))
    settings = dataclasses.replace(get_settings(), auth_enabled=True, cookie_secure=False)
    app = create_app(settings, pool=ENGINE == "sqlite", integrator=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers["origin"] = "http://testserver.local"  # browsers send it; the sign-in form needs it
        yield Web(client, _entity_ids())
