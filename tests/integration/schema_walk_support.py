"""The schema conformance walk's steps: every operation of the API, with ids read back from the server."""

from __future__ import annotations

import copy
import datetime
import http.cookies
import time
from typing import Any

import requests

from tests.integration.schema_api_support import Api, _header, _request_fields

# The kinds of record; every one has the same six routes (README: The API).
KINDS = [
    "entities",
    "activities",
    "processors",
    "recipients",
    "transfers",
    "retention-rules",
    "cookies",
    "vocabularies",
    "finding-acceptances",
]
ADMIN, ADMIN_PASSWORD = "conformance-admin", "conformance admin password"
AUDITOR = "conformance-auditor"


def _writable(api: Api, method: str, path: str, record: dict[str, Any]) -> dict[str, Any]:
    """A record read from the server, trimmed to what the write operation takes."""
    fields = _request_fields(api.spec, method, path) - {"id"}
    return {name: value for name, value in record.items() if name in fields}


def _wait_for_job(api: Api, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        job: dict[str, Any] = api("GET", "/api/exports/{job_id}", 200, params={"job_id": job_id}).json()
        if job["status"] in ("done", "failed") or time.monotonic() > deadline:
            assert job["status"] == "done", job
            return job
        time.sleep(0.3)


def _without_ids(value: Any) -> Any:
    """A register file's entity without its record ids, to import as a new entity."""
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def _walk_register(api: Api) -> str:
    """Access control off: every register, finding, export and audit route, user and token admin.
    Returns the secret of an API token for the admin it made."""
    started = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    api("GET", "/health", 200)
    entities = api("GET", "/api/entities", 200, query={"view": "full"}).json()["items"]
    entity = next(e for e in entities if e["key"] == "TECHEM-DK")

    # Export jobs first: they run in the server while the walk goes on.
    pdf_job = api(
        "GET",
        "/api/entities/{record_id}/export.pdf",
        202,
        params={"record_id": entity["id"]},
        query={"background": "true", "lang": "en"},
    ).json()
    xlsx_job = api(
        "POST", "/api/exports", 202, body={"entity": entity["key"], "format": "xlsx", "lang": "da"}
    ).json()
    api(
        "GET",
        "/api/entities/{record_id}/export.xlsx",
        202,
        params={"record_id": entity["id"]},
        query={"background": "true"},
    )

    # A finding accepted, so that every kind has a record to read.
    findings = api("GET", "/api/findings", 200, query={"entity": entity["key"], "status": "open"}).json()
    finding = findings[0]["finding"]
    accepted = api(
        "POST",
        "/api/finding-acceptances",
        201,
        body={
            "entity": finding["entity_key"],
            "key": "ACC-CONFORMANCE",
            "name": "Accepted by the conformance walk",
            "rule_id": finding["rule_id"],
            "record_key": finding["record_key"],
            "reason": "the schema conformance test accepts it",
            "accepted_by": "conformance",
            "expires_on": "2999-01-01",
        },
    ).json()
    api("GET", "/api/findings", 200, query={"status": "accepted"})
    api("GET", "/api/findings", 200, query={"severity": finding["severity"], "rule": finding["rule_id"]})
    api("GET", "/api/findings", 200)

    # Every kind: lists (both views, a second page by cursor, filters), a record, its history.
    originals: dict[str, dict[str, Any]] = {}
    made: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        listing, one = f"/api/{kind}", f"/api/{kind}/{{record_id}}"
        api("GET", listing, 200, query={"view": "summary"})
        items = api("GET", listing, 200, query={"view": "full", "limit": 500}).json()["items"]
        assert items, f"the demo has no {kind}"
        page = api("GET", listing, 200, query={"limit": 1}).json()
        if page["next_cursor"]:
            api("GET", listing, 200, query={"limit": 1, "cursor": page["next_cursor"]})
        api("GET", listing, 200, query={"q": "no such text anywhere", "view": "full"})
        if "entity" in items[0]:
            api("GET", listing, 200, query={"entity": entity["key"], "status": items[0]["status"]})
        record = items[-1]
        originals[kind] = record
        api("GET", one, 200, params={"record_id": record["id"]})
        api("GET", f"{one}/history", 200, params={"record_id": record["id"]})

    # Every kind: a copy created, read, replaced, replaced again with a stale version (409),
    # its history, and retired; an original still in use cannot be retired (409).
    for kind in KINDS:
        listing, one = f"/api/{kind}", f"/api/{kind}/{{record_id}}"
        if kind == "finding-acceptances":
            made[kind] = accepted
        else:
            original = originals[kind]
            new = _writable(api, "POST", listing, original)
            new["key"] = f"{original['key']}-conformance"[:64]
            if new.get("registration"):  # unique within a country, as the key is
                new["registration"] = {**new["registration"], "number": "888888888"}
            made[kind] = api("POST", listing, 201, body=new).json()
        ref = {"record_id": made[kind]["id"]}
        api("GET", one, 200, params=ref)
        change = _writable(api, "PUT", one, made[kind])
        text = "notes" if "notes" in _request_fields(api.spec, "PUT", one) else "description"
        change[text] = "changed by the conformance walk"
        changed = api("PUT", one, 200, params=ref, body=change).json()
        api("PUT", one, 409, params=ref, body=change)  # the version read is stale now
        api("GET", f"{one}/history", 200, params=ref)
        api("DELETE", one, 200, params=ref, query={"version": changed["version"]})
        if f"{one}/reactivate" in api.spec["paths"]:  # brought back with a reason, then retired again
            back = {"reason": "the conformance walk brings it back", "version": changed["version"] + 1}
            api("POST", f"{one}/reactivate", 200, params=ref, body=back)
            api("POST", f"{one}/reactivate", 409, params=ref, body={"reason": "again"})  # not retired
            api("DELETE", one, 200, params=ref, query={"version": changed["version"] + 2})
    in_use = api("GET", "/api/processors", 200, query={"entity": entity["key"]}).json()["items"][0]
    api("DELETE", "/api/processors/{record_id}", 409, params={"record_id": in_use["id"]})

    # Exports in the foreground, the completeness check, the layouts; the jobs' files.
    api("GET", "/api/exports/layouts", 200)
    for layout in ("canonical", "dk-datatilsynet"):
        api(
            "GET",
            "/api/entities/{record_id}/export/check",
            200,
            params={"record_id": entity["id"]},
            query={"layout": layout},
        )
    api("GET", "/api/entities/{record_id}/export.xlsx", 200, params={"record_id": entity["key"]})
    api(
        "GET",
        "/api/entities/{record_id}/export.pdf",
        200,
        params={"record_id": entity["id"]},
        query={"layout": "dk-datatilsynet", "authority_case": "2026-7731"},
    )
    for job in (pdf_job, xlsx_job):
        _wait_for_job(api, job["id"])
        api("GET", "/api/exports/{job_id}/download", 200, params={"job_id": job["id"]})

    # The register: dump, import (an entity of the dump under a new key), as of a moment.
    dump = api("GET", "/api/register/dump", 200).json()
    source = next(e for e in dump["entities"] if e["key"] == "TECHEM-NO")
    imported = {**_without_ids(copy.deepcopy(source)), "key": "TECHEM-NO-IMPORTED"}
    if imported.get("registration"):
        imported["registration"] = {**imported["registration"], "number": "999999999"}
    api("POST", "/api/register/import", 201, body={"format": "ropa-register", "entities": [imported]})
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    as_of = "/api/register/entities/{ref}/as-of"
    api("GET", as_of, 200, params={"ref": entity["id"]}, query={"at": now})
    api("GET", as_of, 200, params={"ref": "TECHEM-NO"}, query={"at": now})
    api("GET", as_of, 404, params={"ref": entity["id"]}, query={"at": "2000-01-01T00:00:00Z"})

    # Users and tokens (the session routes come with access control on: _walk_access).
    api("POST", "/api/users", 201, body={"username": ADMIN, "role": "admin", "password": ADMIN_PASSWORD})
    api(
        "POST",
        "/api/users",
        201,
        body={"username": AUDITOR, "role": "auditor", "entities": ["*"]},
    )
    api("PATCH", "/api/users/{user}", 200, params={"user": AUDITOR}, body={"entities": [entity["key"]]})
    api("GET", "/api/users", 200)
    api("POST", "/api/users/{user}/tokens", 201, params={"user": AUDITOR}, body={"name": "conformance"})
    api("GET", "/api/tokens", 200, query={"owner": AUDITOR})
    admin_token: str = api(
        "POST", "/api/users/{user}/tokens", 201, params={"user": ADMIN}, body={"name": "walk", "days": 1}
    ).json()["secret"]

    # The audit log, once the integrator has signed a checkpoint.
    deadline = time.monotonic() + 30
    while (
        latest := requests.get(f"{api.base_url}/api/audit/checkpoints/latest", timeout=30)
    ).status_code != 200:
        assert time.monotonic() < deadline, latest.text
        time.sleep(0.3)
    checkpoint = api("GET", "/api/audit/checkpoints/latest", 200).json()
    size = checkpoint["tree_size"]
    assert size > 1, checkpoint
    api("GET", "/api/audit/verify", 200)
    api("GET", "/api/audit/public-key", 200)
    page = api("GET", "/api/audit/events", 200, query={"limit": 2}).json()
    api("GET", "/api/audit/events", 200, query={"limit": 2, "cursor": page["next_cursor"]})
    changes = {"record_type": "processor", "record_id": made["processors"]["id"], "since": started}
    updates = api("GET", "/api/audit/events", 200, query={**changes, "action": "processor.update"}).json()
    assert updates["items"], "the walk's change of a processor is an audit event"
    api("GET", "/api/audit/events", 200, query={"entity": entity["key"], "until": now, "actor": "system"})
    for file_format in ("csv", "jsonl"):
        api("GET", "/api/audit/events/download", 200, query={"format": file_format, "entity": entity["key"]})
    api("GET", "/api/audit/entries/{seq}", 200, params={"seq": size - 1})
    api("GET", "/api/audit/proofs/inclusion", 200, query={"seq": 0, "tree_size": size})
    api("GET", "/api/audit/proofs/consistency", 200, query={"first": 1, "second": size})
    api("GET", "/api/audit/export", 200, query={"from_seq": 0, "to_seq": size - 1})
    return admin_token


def _walk_access(api: Api, admin_token: str) -> None:
    """Access control on: the admin's API token; a session: who am I, a token revoked, sign-out."""
    bearer = {"authorization": f"Bearer {admin_token}"}
    me = api("GET", "/api/auth/me", 200, headers=bearer).json()
    assert me["username"] == ADMIN and me["via"] == "token", me
    api("GET", "/api/users", 200, headers=bearer)
    signed_in = api("POST", "/api/auth/sign-in", 200, body={"username": ADMIN, "password": ADMIN_PASSWORD})
    cookie = http.cookies.SimpleCookie(_header(signed_in, "set-cookie"))
    session = {"ropa_session": cookie["ropa_session"].value}
    csrf = {"x-csrf-token": signed_in.json()["csrf_token"]}
    me = api("GET", "/api/auth/me", 200, cookies=session).json()
    assert me["username"] == ADMIN and me["via"] == "session", me
    tokens = api("GET", "/api/tokens", 200, cookies=session).json()
    auditors = next(t for t in tokens if t["name"] == "conformance")
    api(
        "DELETE",
        "/api/tokens/{token_id}",
        200,
        params={"token_id": auditors["id"]},
        headers=csrf,
        cookies=session,
    )
    api("POST", "/api/auth/sign-out", 200, headers=csrf, cookies=session)
    api("GET", "/api/auth/me", 401, cookies=session)  # that session is over
