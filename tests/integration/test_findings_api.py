"""Findings over HTTP and the CLI: the demo's flaws are reported; accepting a risk shows, never hides."""

import datetime as dt
import json
import os
import subprocess
import sys

from tests.conftest import ENGINE, ROOT, _pg_url


def _findings(client, **params):
    response = client.get("/api/findings", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_demo_reports_privacy_shield_and_the_processor_claim(demo_client):
    dk = _findings(demo_client, entity="TECHEM-DK", rule="transfer.invalid_mechanism")
    assert dk and {f["finding"]["entity_key"] for f in dk} == {"TECHEM-DK"}
    assert {f["finding"]["severity"] for f in dk} == {"high"}
    assert all(f["status"] == "open" for f in dk)
    assert "Privacy Shield" in json.dumps(dk) or "privacy_shield" in json.dumps(dk)
    no = _findings(demo_client, entity="TECHEM-NO", rule="role.processor_own_purposes")
    assert no and no[0]["finding"]["message"]["nb"] and no[0]["finding"]["message"]["da"]
    assert _findings(demo_client, entity="TECHEM-NO", rule="transfer.invalid_mechanism") == []
    assert {f["finding"]["severity"] for f in _findings(demo_client, severity="high")} == {"high"}


def test_an_accepted_risk_is_shown_audited_and_expires(demo_client):
    target = _findings(demo_client, entity="TECHEM-DK", rule="dpo.undecided")[0]["finding"]
    tomorrow = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    body = {
        "entity": "TECHEM-DK",
        "key": "ACCEPT-DPO",
        "name": "DPO decision pending board meeting",
        "rule_id": target["rule_id"],
        "record_key": target["record_key"],
        "reason": "The board decides on a DPO in its next meeting.",
        "accepted_by": "officer-7",
        "expires_on": tomorrow,
    }
    created = demo_client.post("/api/finding-acceptances", json=body)
    assert created.status_code == 201, created.text
    shown = _findings(demo_client, entity="TECHEM-DK", rule="dpo.undecided")
    assert [f["status"] for f in shown] == ["accepted"]
    assert shown[0]["acceptance"]["reason"].startswith("The board")
    assert _findings(demo_client, entity="TECHEM-DK", rule="dpo.undecided", status="open") == []
    events = demo_client.get("/api/audit/events", params={"action": "finding_acceptance.create"}).json()[
        "items"
    ]
    assert [e["entity_id"] for e in events] == [created.json()["id"]]
    # An expired acceptance no longer covers the finding, and says so.
    record = created.json()
    update = {
        k: v for k, v in record.items() if k not in ("id", "entity", "status", "created_at", "updated_at")
    }
    update["expires_on"] = "2020-01-01"
    assert demo_client.put(f"/api/finding-acceptances/{record['id']}", json=update).status_code == 200
    again = _findings(demo_client, entity="TECHEM-DK", rule="dpo.undecided")
    assert again[0]["status"] == "open" and again[0]["acceptance"]["expired"] is True
    # Withdrawing it (retire) removes the acceptance, not the finding.
    assert demo_client.delete(f"/api/finding-acceptances/{record['id']}").status_code == 200
    final = _findings(demo_client, entity="TECHEM-DK", rule="dpo.undecided")
    assert final[0]["status"] == "open" and final[0]["acceptance"] is None


def test_cli_lists_findings_as_text_and_json(demo_database):
    env = {**os.environ}
    if ENGINE == "postgres":
        env["ROPA_DATABASE_URL"] = _pg_url(demo_database)
    else:
        env["ROPA_SQLITE_PATH"] = demo_database
    text = subprocess.run(
        [sys.executable, "-m", "ropa", "findings", "--entity", "TECHEM-DK", "--lang", "da"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert text.returncode == 0, text.stderr
    assert "transfer.invalid_mechanism" in text.stdout and "findings" in text.stdout.splitlines()[-1]
    # Each rule's article is a whole citation, printed once ("Art. Art. 44" was printed before).
    assert "transfer.invalid_mechanism (Art. 44, 45, 46)" in text.stdout
    assert "(ePrivacy Art. 5(3); GDPR Art. 4(11), 7)" in text.stdout and "Art. Art." not in text.stdout
    as_json = subprocess.run(
        [sys.executable, "-m", "ropa", "findings", "--severity", "high", "--format", "json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
    )
    assert as_json.returncode == 0
    parsed = json.loads(as_json.stdout)
    assert parsed and {f["finding"]["severity"] for f in parsed} == {"high"}
    assert {f["finding"]["entity_key"] for f in parsed} == {"TECHEM-DK", "TECHEM-NO"}


def test_one_entitys_findings_are_its_share_of_the_whole_registers(demo_client):
    """Evaluating one entity (with the group it is linked to) finds what the whole register finds for it."""
    whole = _findings(demo_client)
    keys = sorted({f["finding"]["entity_key"] for f in whole})
    assert len(keys) > 1 and any(f["finding"]["rule_id"].startswith("group.") for f in whole)
    for key in keys:
        assert _findings(demo_client, entity=key) == [f for f in whole if f["finding"]["entity_key"] == key]
    unknown = demo_client.get("/api/findings", params={"entity": "NO-SUCH-ENTITY"})
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
    assert [p["name"] for p in unknown.json()["invalid_params"]] == ["entity"]


def test_one_entitys_findings_are_reused_until_the_register_changes(demo_client, monkeypatch):
    """A page of a large register shows its findings on every view: the same state is judged once,
    and any change (here an accepted risk) is shown at the next read."""
    from ropa.findings import services

    judged = []
    real = services.annotate

    def counting(*args, **kwargs):
        judged.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "annotate", counting)
    first = _findings(demo_client, entity="TECHEM-DK", rule="dpo.undecided")
    assert [f["status"] for f in first] == ["open"]
    assert _findings(demo_client, entity="TECHEM-DK", rule="dpo.undecided") == first
    assert len(judged) == 1, "the same state is judged once"
    # Reading the log writes an audit.read event, which changes nothing the findings judge: on SQLite
    # the state is still known as the same (on PostgreSQL the snapshot that names it has moved on).
    assert demo_client.get("/api/audit/events", params={"limit": 5}).status_code == 200
    assert _findings(demo_client, entity="TECHEM-DK", rule="dpo.undecided") == first
    judged_before = len(judged)
    assert judged_before == (1 if ENGINE == "sqlite" else 2)
    target = first[0]["finding"]
    body = {
        "entity": "TECHEM-DK",
        "key": "ACCEPT-DPO-CACHE",
        "name": "DPO decision pending",
        "rule_id": target["rule_id"],
        "record_key": target["record_key"],
        "reason": "The board decides on a DPO in its next meeting.",
        "accepted_by": "officer-7",
        "expires_on": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
    }
    assert demo_client.post("/api/finding-acceptances", json=body).status_code == 201
    assert [f["status"] for f in _findings(demo_client, entity="TECHEM-DK", rule="dpo.undecided")] == [
        "accepted"
    ]
    assert len(judged) == judged_before + 1, "a change is judged again"
