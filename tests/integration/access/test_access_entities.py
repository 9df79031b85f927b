"""An entity's own record is kept by admins and by its compliance officers (``entities.manage``);
the records it holds stay the officers' (``register.write``), through the API as through the pages."""

from __future__ import annotations

from typing import Any

from audit.tables import AuditEvent


def _body(record: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body = {
        k: v for k, v in record.items() if k not in ("id", "entity", "status", "created_at", "updated_at")
    }
    return body | changes


def _last_event(record_id: str) -> dict[str, Any]:
    rows = (
        AuditEvent.select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.reason)
        .where(AuditEvent.entity_id == record_id)
        .order_by(AuditEvent.event_id, ascending=False)
        .limit(1)
        .run_sync()
    )
    return dict(rows[0])


def test_an_admin_edits_retires_and_reactivates_an_entity_but_not_its_activities(secured: Any) -> None:
    client, admin = secured.client, secured.as_("admin")
    dk = secured.ids["TECHEM-DK"]
    entity = client.get(f"/api/entities/{dk}", headers=admin).json()
    me = client.get("/api/auth/me", headers=admin).json()
    changed = client.put(
        f"/api/entities/{dk}", json=_body(entity, email="privacy@techem.example"), headers=admin
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["email"] == "privacy@techem.example"
    assert _last_event(dk)["action"] == "entity.update"
    assert _last_event(dk)["actor_id"] == f"user:{me['user_id']}"
    activity = client.get("/api/activities", params={"entity": dk, "limit": 1}, headers=admin).json()[
        "items"
    ][0]
    activity = client.get(f"/api/activities/{activity['id']}", headers=admin).json()
    body = _body(activity, name="Renamed by an admin")
    assert client.put(f"/api/activities/{activity['id']}", json=body, headers=admin).status_code == 403
    assert client.get(f"/api/activities/{activity['id']}", headers=admin).json()["name"] == activity["name"]
    # The officer of the entity still keeps it too, from the version the admin left.
    officer = secured.as_("officer")
    again = client.put(
        f"/api/entities/{dk}", json=_body(changed.json(), email="dpo@techem.example"), headers=officer
    )
    assert again.status_code == 200 and again.json()["version"] == changed.json()["version"] + 1
    # An empty entity: the admin retires it and brings it back, with a reason in the log.
    created = client.post(
        "/api/entities", json={"key": "ADMIN-KEPT", "legal_name": "Kept ApS", "country": "DK"}, headers=admin
    )
    assert created.status_code == 201, created.text
    kept = created.json()
    retired = client.delete(f"/api/entities/{kept['id']}", params={"version": 1}, headers=admin)
    assert retired.status_code == 200 and retired.json()["status"] == "retired"
    back = client.post(
        f"/api/entities/{kept['id']}/reactivate",
        json={"reason": "retired by mistake", "version": 2},
        headers=admin,
    )
    assert back.status_code == 200 and back.json()["status"] == "active"
    assert _last_event(kept["id"]) == {
        "action": "entity.reactivate",
        "actor_id": f"user:{me['user_id']}",
        "reason": "retired by mistake",
    }
    # An auditor may do none of it.
    auditor = secured.as_("auditor")
    assert (
        client.post(f"/api/entities/{dk}/reactivate", json={"reason": "x"}, headers=auditor).status_code
        == 403
    )
