"""Bringing a retired record back (``POST /api/{kind}/{id}/reactivate``): a reason, the version, an
audit event; refused while what it names is retired, and seen in its history and as-of reads."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest

from audit.tables import AuditEvent
from ropa.porting.as_of import entity_as_of
from tests.conftest import run
from tests.integration.register.register_support import PROBLEM_JSON, create

KINDS = ("entities", "processors", "recipients", "transfers", "retention-rules")


def _retire(client: Any, path: str, record: dict[str, Any]) -> dict[str, Any]:
    response = client.delete(f"/api/{path}/{record['id']}", params={"version": record["version"]})
    assert response.status_code == 200, response.text
    return response.json()


def _reactivate(client: Any, path: str, record: dict[str, Any]) -> Any:
    return client.post(f"/api/{path}/{record['id']}/reactivate", json={"reason": "back"})


def _events(record_id: str) -> list[dict[str, Any]]:
    return (
        AuditEvent.select(AuditEvent.action, AuditEvent.reason, AuditEvent.entity_version)
        .where(AuditEvent.entity_id == record_id)
        .order_by(AuditEvent.event_id)
        .run_sync()
    )


@pytest.mark.parametrize("path", KINDS)
def test_a_retired_record_comes_back_with_a_reason_and_its_version(client: Any, path: str) -> None:
    entity = create(client, "entities", f"REACT-{path}".upper())
    record = entity if path == "entities" else create(client, path, "R-1", entity["key"])
    url = f"/api/{path}/{record['id']}/reactivate"
    assert client.post(url, json={"reason": "back"}).status_code == 409  # it is not retired
    retired = _retire(client, path, record)
    assert retired["status"] == "retired"
    for bad in ({}, {"reason": ""}, {"reason": "   "}, {"reason": "x", "version": 0}):
        response = client.post(url, json=bad)
        assert response.status_code in (400, 422), (bad, response.text)
        assert response.headers["content-type"].startswith(PROBLEM_JSON)
    stale = client.post(url, json={"reason": "back", "version": record["version"]})
    assert stale.status_code == 409 and stale.json()["invalid_params"][0]["name"] == "version"
    assert client.get(f"/api/{path}/{record['id']}").json()["status"] == "retired"
    back = client.post(url, json={"reason": "retired by mistake", "version": retired["version"]})
    assert back.status_code == 200, back.text
    assert back.json()["status"] == "active" and back.json()["version"] == retired["version"] + 1
    kind = path.removesuffix("s").replace("entitie", "entity").replace("retention-rule", "retention_rule")
    events = _events(record["id"])
    assert [e["action"] for e in events][-2:] == [f"{kind}.retire", f"{kind}.reactivate"]
    assert events[-1]["reason"] == "retired by mistake"
    assert events[-1]["entity_version"] == back.json()["version"]
    # Its history shows the retirement, then the return.
    history = client.get(f"/api/{path}/{record['id']}/history").json()
    statuses = [c for h in history for c in h["changes"] if c["path"] == "status"]
    moves = [(c["before"], c["after"]) for c in statuses]
    assert moves[-2:] == [("active", "retired"), ("retired", "active")]
    # Active again: it can be edited and retired as before.
    again = client.delete(f"/api/{path}/{record['id']}", params={"version": back.json()["version"]})
    assert again.status_code == 200 and again.json()["status"] == "retired"


def test_kinds_whose_status_is_their_data_have_no_reactivate(client: Any) -> None:
    entity = create(client, "entities", "REACT-NONE")
    activity = create(client, "activities", "A-1", entity["key"])
    assert client.post(f"/api/activities/{activity['id']}/reactivate", json={"reason": "x"}).status_code in (
        404,
        405,
    )


def test_a_record_naming_a_retired_record_stays_retired_until_that_one_is_back(client: Any) -> None:
    entity = create(client, "entities", "REACT-REFS")
    recipient = create(client, "recipients", "RC-1", entity["key"])
    transfer = create(client, "transfers", "TR-1", entity["key"], recipient="RC-1")
    transfer = _retire(client, "transfers", transfer)
    recipient = _retire(client, "recipients", recipient)
    refused = client.post(f"/api/transfers/{transfer['id']}/reactivate", json={"reason": "back"})
    assert refused.status_code == 422
    named = refused.json()["invalid_params"][0]
    assert named["name"] == "recipient" and "RC-1" in named["reason"]
    assert client.get(f"/api/transfers/{transfer['id']}").json()["status"] == "retired"
    assert _reactivate(client, "recipients", recipient).status_code == 200
    assert _reactivate(client, "transfers", transfer).status_code == 200


def test_a_record_of_a_retired_entity_waits_for_its_entity(client: Any) -> None:
    entity = create(client, "entities", "REACT-HOLDER")
    processor = _retire(client, "processors", create(client, "processors", "P-1", entity["key"]))
    entity = _retire(client, "entities", client.get(f"/api/entities/{entity['id']}").json())
    refused = client.post(f"/api/processors/{processor['id']}/reactivate", json={"reason": "back"})
    assert refused.status_code == 409 and refused.json()["invalid_params"][0]["name"] == "entity"
    assert _reactivate(client, "entities", entity).status_code == 200
    assert _reactivate(client, "processors", processor).status_code == 200


def test_as_of_reads_see_the_record_retired_then_active(client: Any) -> None:
    entity = create(client, "entities", "REACT-ASOF")
    processor = _retire(client, "processors", create(client, "processors", "P-1", entity["key"]))
    time.sleep(0.01)
    while_retired = dt.datetime.now(dt.UTC)
    time.sleep(0.01)
    back = client.post(f"/api/processors/{processor['id']}/reactivate", json={"reason": "back"})
    assert back.status_code == 200
    then = run(entity_as_of("REACT-ASOF", while_retired))
    now = run(entity_as_of("REACT-ASOF", dt.datetime.now(dt.UTC)))
    assert [p.retired for p in then.processors] == [True]
    assert [p.retired for p in now.processors] == [False]
