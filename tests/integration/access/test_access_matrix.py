"""Every route in the OpenAPI schema, with every role: no unexpected allow, so nothing ships unguarded.

The table below is the test's own statement of who may do what, written apart from the service's
ropa/access/model.py so that a mistake there cannot hide itself here; the two must agree, route by route.
"""

from __future__ import annotations

import uuid

import pytest

ROLE_MAY = {
    # entities.manage: an entity's own record (edit, retire, reactivate), not the records it holds.
    "admin": {
        *("read", "entities.create", "entities.manage", "vocabulary", "import", "dump", "users"),
        *("verify", "signed_in"),
    },
    "officer": {"read", "write", "entities.manage", "history", "export", "findings", "signed_in"},
    # An audit bundle holds every entity's events: only an auditor of all entities gets one.
    "auditor": {"read", "history", "findings", "audit", "verify", "signed_in"},
    "auditor_all": {"read", "history", "findings", "audit", "verify", "audit.export", "signed_in"},
    "regulator": {"read", "export", "findings", "signed_in"},
    "anonymous": set(),
}
REGISTER_KINDS = ("Activity", "Processor", "Recipient", "Transfer", "RetentionRule", "FindingAcceptance")


def needed(operation_id: str) -> str:
    """What an operation needs, from its name alone."""
    fixed = {
        "health": "public",
        "signIn": "public",
        "signOut": "signed_in",
        "whoAmI": "signed_in",
        "listFindings": "findings",
        "dumpRegister": "dump",
        "importRegister": "import",
        "entityAsOf": "history",
        "verifyAuditLog": "verify",
        "latestCheckpoint": "signed_in",
        "auditPublicKey": "signed_in",
        "exportAuditBundle": "audit.export",
        "listExportLayouts": "read",
        "createEntity": "entities.create",
        "updateEntity": "entities.manage",
        "retireEntity": "entities.manage",
        "reactivateEntity": "entities.manage",
    }
    if operation_id in fixed:
        return fixed[operation_id]
    if operation_id in (
        "listAuditEvents",
        "downloadAuditEvents",
        "inclusionProof",
        "consistencyProof",
        "auditEntry",
    ):
        return "audit"
    if operation_id in ("listUsers", "createUser", "updateUser", "createToken", "listTokens", "revokeToken"):
        return "users"
    if operation_id.startswith("export") or operation_id in ("checkEntityExport", "startExportJob"):
        return "export"
    for verb, need in (("history", "history"), ("list", "read"), ("get", "read")):
        if operation_id.startswith(verb):
            return need
    for verb in ("create", "update", "retire", "reactivate"):
        if operation_id.startswith(verb):
            noun = operation_id[len(verb) :]
            return "vocabulary" if noun == "VocabularyTerm" else "write"
    raise AssertionError(f"the matrix does not know operation {operation_id}: add it")


def _operations(client, headers):
    schema = client.get("/schema/openapi.json", headers=headers).json()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation["operationId"]


def _url(path: str) -> str:
    # Every path parameter gets a value that names nothing: allowed callers then see 404 or 4xx,
    # never a change; refused callers are refused before any lookup.
    out = path
    for name in ("record_id", "user", "token_id", "job_id"):
        out = out.replace("{" + name + "}", str(uuid.uuid4()))
    return out.replace("{seq}", "0")


@pytest.mark.parametrize("role", list(ROLE_MAY))
def test_no_route_allows_a_role_it_should_not(secured, role):
    client = secured.client
    operations = list(_operations(client, secured.as_("admin")))
    assert len(operations) > 40
    unexpected, refused_wrongly = [], []
    for path, method, operation_id in operations:
        need = needed(operation_id)
        if operation_id in ("signIn", "signOut"):
            continue  # covered by the sign-in tests (a session, not a token)
        allowed = need == "public" or (
            role != "anonymous" and (need == "signed_in" or need in ROLE_MAY[role])
        )
        body = {} if method in ("post", "put", "patch") else None
        response = client.request(method.upper(), _url(path), headers=secured.as_(role), json=body)
        status = response.status_code
        if not allowed and status not in (401, 403):
            unexpected.append(f"{method.upper()} {path} ({operation_id}) -> {status}")
        if status >= 500:
            refused_wrongly.append(f"{method.upper()} {path} ({operation_id}) -> {status} (server error)")
        if allowed and status in (401, 403):
            refused_wrongly.append(f"{method.upper()} {path} ({operation_id}) -> {status}")
        if not allowed:
            assert status == (401 if role == "anonymous" else 403), f"{operation_id}: {status}"
    assert not unexpected, f"{role} was allowed: {unexpected}"
    assert not refused_wrongly, f"{role} was refused: {refused_wrongly}"


def test_a_route_without_an_access_rule_is_refused(demo_database):
    import dataclasses

    from litestar import get
    from litestar.testing import TestClient

    from ropa.app import create_app
    from ropa.settings import get_settings
    from tests.conftest import ENGINE

    @get("/api/forgotten", sync_to_thread=False)
    def forgotten() -> dict[str, str]:
        return {"secret": "leaked"}

    app = create_app(
        dataclasses.replace(get_settings(), auth_enabled=False), pool=ENGINE == "sqlite", integrator=False
    )
    app.register(forgotten)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/forgotten")
    assert response.status_code == 403
    assert "no access rule" in response.json()["detail"]
