"""Helpers of the export tests: text out of a PDF, the register as the tests expect to see it."""

from __future__ import annotations

import io
import re
from typing import Any

from pypdf import PdfReader

from ropa.porting.services import dump_register
from tests.conftest import run


def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def squash(text: str) -> str:
    """Text without whitespace: a table cell may wrap a phrase anywhere."""
    return re.sub(r"\s+", "", text.replace("\u00ad", ""))


def entity(key: str) -> Any:
    return next(e for e in run(dump_register()).entities if e.key == key)


def vocabulary_labels(lang: str) -> dict[tuple[str, str], str]:
    return {(t.vocabulary, t.key): getattr(t.labels, lang) for t in run(dump_register()).vocabularies}


def expected_phrases(key: str, lang: str) -> dict[str, set[str]]:
    """What a regulator must find in an export of entity ``key`` in ``lang``, read from the register."""
    e = entity(key)
    labels = vocabulary_labels(lang)
    live = [a for a in e.activities if a.status != "retired"]
    return {
        "activity names": {a.name for a in live},
        "legal bases": {labels[("legal_basis", b)] for a in live for p in a.purposes for b in p.legal_bases},
        "data categories": {labels[("data_category", d.category)] for a in live for d in a.data_categories},
        "retention rules": {r.name for r in e.retention_rules if not r.retired},
        "processors": {p.name for p in e.processors if not p.retired},
        "transfers": {x.name for x in e.transfers if not x.retired}
        | {labels[("transfer_mechanism", x.mechanism)] for x in e.transfers if not x.retired},
    }


def export(client: Any, key: str, fmt: str, **params: Any) -> Any:
    response = client.get(f"/api/entities/{key}/export.{fmt}", params=params)
    assert response.status_code == 200, response.text
    return response


def export_events(client: Any) -> list[dict[str, Any]]:
    page = client.get("/api/audit/events", params={"action": "register.export", "limit": 500}).json()
    return [e["body"]["details"] for e in page["items"]]


def first_activity(client: Any, entity_key: str, **params: Any) -> dict[str, Any]:
    query = {"entity": entity_key, **params}
    return client.get("/api/activities", params=query).json()["items"][0]  # type: ignore[no-any-return]


def change_activity(client: Any, item: dict[str, Any], **changes: Any) -> None:
    """Save an activity with some fields changed, through the API."""
    full = client.get(f"/api/activities/{item['id']}").json()
    body = {k: v for k, v in full.items() if k not in ("id", "entity", "created_at", "updated_at")}
    response = client.put(f"/api/activities/{item['id']}", json={**body, **changes})
    assert response.status_code == 200, response.text
