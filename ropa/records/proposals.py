"""An officer's decision on an owner's questionnaire answer: accept, apply or reject it.

- **Accept** an attestation: the activity records the review (``last_reviewed_at`` today,
  ``reviewed_by`` the owner's name; the next review follows from the interval).
- **Apply** proposed changes: each plain field, one value a line, is read back against the register
  (purposes by description, data subjects, categories and measures by a term's key or label in any
  language, recipients and retention rules by name or key); what names nothing is listed, never
  guessed. A new-activity answer is created as a draft.
- **Reject**: nothing changes but the answer's decision.

Accepting and applying are the register's own ``update`` (or ``create``), with the version the
officer saw: the same validation, the same four-eyes check, the same audit event, in the officer's
name. The decision is an audit event of its own in the same transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import msgspec

from audit import log as audit_log
from audit.context import current_actor
from ropa.access.principals import utc_now
from ropa.db import write_transaction
from ropa.errors import Conflict
from ropa.records import listing
from ropa.records import services as records
from ropa.records.catalog import ACTIVITY, RECIPIENT, RETENTION
from ropa.records.questionnaire import FIELDS, Link, find
from ropa.records.questionnaire_tables import QuestionnaireLink
from ropa.tables import VocabularyTerm
from ropa.vocabulary.schemas import TermData

SERVER_FIELDS = ("id", "entity", "version", "created_at", "updated_at")
VOCABULARIES = {
    "data_subjects": "data_subject_category",
    "data_categories": "data_category",
    "security_measures": "security_measure",
}
RECORDS = {"recipients": RECIPIENT, "retention": RETENTION}


@dataclasses.dataclass
class Names:
    """What the register calls things, to show an activity's values as lines and read lines back."""

    lang: str
    terms: dict[str, dict[str, TermData]]  # vocabulary -> key -> term
    records: dict[str, dict[str, str]]  # recipients | retention -> key -> name

    def shown(self, field: str, key: str) -> str:
        if field in VOCABULARIES:
            term = self.terms.get(VOCABULARIES[field], {}).get(key)
            return str(getattr(term.labels, self.lang)) if term else key
        return self.records[field].get(key, key)

    def key_of(self, field: str, line: str) -> str | None:
        """The key a line names: a key, or a label (any language) or a record's name, ignoring case."""
        wanted = line.strip().casefold()
        if field in VOCABULARIES:
            for key, term in self.terms.get(VOCABULARIES[field], {}).items():
                labels = (key, term.labels.en, term.labels.da, term.labels.nb)
                if not term.deprecated and wanted in {str(x).casefold() for x in labels}:
                    return key
            return None
        for key, name in self.records[field].items():
            if wanted in (key.casefold(), name.casefold()):
                return key
        return None


async def names(entity_id: str, lang: str) -> Names:
    rows = await VocabularyTerm.select(VocabularyTerm.data).output(load_json=False)
    terms: dict[str, dict[str, TermData]] = {}
    for row in rows:
        term = msgspec.json.decode(row["data"], type=TermData)
        if term.vocabulary in VOCABULARIES.values():
            terms.setdefault(term.vocabulary, {})[term.key] = term
    found: dict[str, dict[str, str]] = {}
    for field, kind in RECORDS.items():
        page = await listing.list_records(kind, entity=entity_id, limit=500)
        found[field] = {str(r.key): str(r.name) for r in page.items if r.status != "retired"}
    return Names(lang, terms, found)


def current_lines(data: dict[str, Any], names: Names) -> dict[str, list[str]]:
    """An activity's six elements as the owner reads them: one value a line, in the entity's language."""
    security = data.get("security") or {}
    return {
        "purposes": [p["description"] for p in data.get("purposes", [])],
        "data_subjects": [names.shown("data_subjects", k) for k in data.get("data_subjects", [])],
        "data_categories": [
            names.shown("data_categories", u["category"]) for u in data.get("data_categories", [])
        ],
        "recipients": [names.shown("recipients", k) for k in data.get("recipients", [])],
        "retention": [names.shown("retention", k) for k in data.get("retention", [])],
        "security_measures": [names.shown("security_measures", k) for k in security.get("measures", [])],
    }


def _keys(data: dict[str, Any], field: str) -> list[str]:
    """The keys an activity holds in one of the elements named by key."""
    if field == "data_categories":
        return [u["category"] for u in data.get("data_categories", [])]
    if field == "security_measures":
        return list((data.get("security") or {}).get("measures", []))
    return list(data.get(field, []))


def lines(text: str) -> list[str]:
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip().lstrip("-•*").strip()
        if line and line not in out:
            out.append(line)
    return out


@dataclasses.dataclass
class Plan:
    """What applying an answer would do: per changed element, the lines now and proposed; the lines
    that name nothing in the register; and the activity's data after the change."""

    changes: dict[str, tuple[list[str], list[str]]]
    unmatched: dict[str, list[str]]
    data: dict[str, Any]


def plan(link: Link, stored: dict[str, Any], names: Names) -> Plan:
    """Read the owner's plain fields back into the activity ``stored`` (a new draft: ``{}``)."""
    data = {k: v for k, v in stored.items() if k not in SERVER_FIELDS}
    now = current_lines(stored, names)
    changes: dict[str, tuple[list[str], list[str]]] = {}
    unmatched: dict[str, list[str]] = {}
    for field in FIELDS:
        if field not in link.answer:
            continue
        proposed = lines(link.answer[field])
        if field == "purposes":
            if [x.casefold() for x in proposed] == [x.casefold() for x in now[field]]:
                continue
            changes[field] = (now[field], proposed)
            kept = {p["description"].casefold(): p for p in stored.get("purposes", [])}
            data["purposes"] = [kept.get(line.casefold(), {"description": line}) for line in proposed]
            continue
        keys: list[str] = []
        missing = []
        for line in proposed:
            key = names.key_of(field, line)
            if key is None:
                missing.append(line)
            elif key not in keys:
                keys.append(key)
        # Compared by what the lines name, not by their words: the owner reads the entity's language.
        if keys == _keys(stored, field) and not missing:
            continue
        changes[field] = (now[field], proposed)
        if missing:
            unmatched[field] = missing
        if field == "data_categories":
            uses = {u["category"]: u for u in stored.get("data_categories", [])}
            data[field] = [uses.get(k, {"category": k}) for k in keys]
        elif field == "security_measures":
            security = dict(stored.get("security") or {})
            security["measures"] = keys
            data["security"] = security if keys or security.get("description") else None
        else:
            data[field] = keys
    return Plan(changes, unmatched, data)


async def _record_decision(link: Link, decision: str, details: dict[str, Any]) -> None:
    await QuestionnaireLink.update(
        {
            QuestionnaireLink.decision: decision,
            QuestionnaireLink.decided_by: current_actor().id,
            QuestionnaireLink.decided_at: utc_now(),
        }
    ).where(QuestionnaireLink.id == link.id)
    await audit_log.record(
        f"questionnaire.{decision}",
        entity_type="questionnaire",
        entity_id=link.id,
        legal_entity_id=link.entity,
        details={"activity": link.activity, **details},
    )


def _undecided(link: Link, *kinds: str) -> None:
    if link.submitted_at is None or link.decision:
        raise Conflict(
            "this answer is not waiting for a decision", [{"name": "decision", "reason": "decided"}]
        )
    if link.kind not in kinds:
        raise Conflict(
            f"a {link.kind or 'missing'} answer cannot be decided so",
            [{"name": "decision", "reason": "kind"}],
        )


async def accept(link_id: str, version: int, today: dt.date) -> Any:
    """Accept an attestation: the activity's review is recorded, as of ``today``, by the owner."""
    async with write_transaction():
        link = await find(link_id)
        _undecided(link, "attest")
        record = await records.get(ACTIVITY, str(link.activity))
        body = {k: v for k, v in msgspec.to_builtins(record).items() if k not in SERVER_FIELDS}
        body |= {
            "last_reviewed_at": today.isoformat(),
            "reviewed_by": link.owner_name[:300],
            "version": version,
        }
        saved = await records.update(ACTIVITY, record.id, msgspec.convert(body, ACTIVITY.update))
        await _record_decision(link, "accepted", {"version": saved.version})
    return saved


async def apply(link_id: str, version: int, lang: str) -> Any:
    """Apply proposed changes (or create the proposed draft); lines that name nothing are left out."""
    async with write_transaction():
        link = await find(link_id)
        _undecided(link, "changes", "draft")
        known = await names(link.entity, lang)
        if link.activity is None:
            proposal = plan(link, {}, known)
            description = link.answer.get("description") or None
            body = {
                **proposal.data,
                "key": f"Q-{link.id[:8]}",
                "name": link.answer.get("name", ""),
                "description": description,
                "owner": link.owner_name[:300],
                "status": "draft",
                "entity": link.entity,
            }
            saved = await records.create(ACTIVITY, msgspec.convert(body, ACTIVITY.create))
        else:
            record = await records.get(ACTIVITY, link.activity)
            proposal = plan(link, msgspec.to_builtins(record), known)
            body = {**proposal.data, "version": version}
            saved = await records.update(ACTIVITY, record.id, msgspec.convert(body, ACTIVITY.update))
        await _record_decision(
            link,
            "applied",
            {"record": saved.id, "version": saved.version, "fields": sorted(proposal.changes)},
        )
    return saved


async def reject(link_id: str) -> Link:
    async with write_transaction():
        link = await find(link_id)
        _undecided(link, "attest", "changes", "draft")
        await _record_decision(link, "rejected", {})
    return await find(link_id)
