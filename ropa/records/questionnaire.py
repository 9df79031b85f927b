"""Questionnaire links for an activity's owner: issued and revoked by an officer, opened and answered once.

A link is a random secret (``secrets.token_urlsafe(32)``) of which only the SHA-256 is stored. It
is bound to one activity, or to drafting a new activity of one entity; it expires (14 days unless
the officer says otherwise, 90 at most), can be revoked, and is spent by its one answer. An expired,
revoked, spent or unknown link gets the same ``NotFound``, so an answer never tells which it was.

Issuing and revoking are audit events of the officer; the answer is an audit event whose actor is
the link (``questionnaire:<link id>``, of type ``link``) and whose details carry the name the owner
typed: an audit actor id is never a name. The answer changes nothing in the register: an officer
decides on it (``ropa.records.proposals``).
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Any

import msgspec

from audit import log as audit_log
from audit.context import Actor, current_actor, reset_actor, set_actor
from ropa.access.principals import digest, utc_moment, utc_now
from ropa.db import write_transaction
from ropa.errors import Conflict, Invalid, NotFound
from ropa.records import services as records
from ropa.records.catalog import ACTIVITY, ENTITY
from ropa.records.questionnaire_tables import QuestionnaireLink

DEFAULT_DAYS = 14
MAX_DAYS = 90
# The elements an owner confirms or corrects, in the order the questionnaire shows them.
FIELDS = ("purposes", "data_subjects", "data_categories", "recipients", "retention", "security_measures")
DRAFT_FIELDS = ("name", "description")
MAX_TEXT = 4000
MAX_NAME = 200
GONE = "this questionnaire link cannot be used"


class Link(msgspec.Struct, kw_only=True):
    """A link as the officer sees it (never its secret), with the owner's answer once submitted."""

    id: str
    entity: str
    activity: str | None
    recipient: str
    issued_by: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    submitted_at: dt.datetime | None
    kind: str
    owner_name: str
    answer: dict[str, str]
    based_on_version: int | None
    decision: str
    decided_by: str
    decided_at: dt.datetime | None

    def state(self, now: dt.datetime | None = None) -> str:
        """open, expired, revoked (not answered); pending, accepted, applied, rejected (answered)."""
        if self.submitted_at is not None:
            return self.decision or "pending"
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= (now or utc_now()) else "open"


class Issued(msgspec.Struct, kw_only=True):
    link: Link
    secret: str  # shown once, in the URL the officer sends


def _moment(value: Any) -> dt.datetime | None:
    return None if value is None else utc_moment(value)


def to_link(row: dict[str, Any]) -> Link:
    answer = row["answer"]
    return Link(
        id=str(row["id"]),
        entity=str(row["entity"]),
        activity=str(row["activity"]) if row["activity"] else None,
        recipient=row["recipient"],
        issued_by=row["issued_by"],
        created_at=utc_moment(row["created_at"]),
        expires_at=utc_moment(row["expires_at"]),
        revoked_at=_moment(row["revoked_at"]),
        submitted_at=_moment(row["submitted_at"]),
        kind=row["kind"],
        owner_name=row["owner_name"],
        answer=msgspec.json.decode(answer) if isinstance(answer, (str, bytes)) else dict(answer or {}),
        based_on_version=row["based_on_version"],
        decision=row["decision"],
        decided_by=row["decided_by"],
        decided_at=_moment(row["decided_at"]),
    )


async def _bound_activity(entity_id: str, activity_id: str) -> Any:
    """The activity, in this entity and the caller's scope; a retired one takes no questionnaire."""
    record = await records.get(ACTIVITY, activity_id)
    if record.entity != entity_id:
        raise NotFound(f"no activity '{activity_id}' in this register")
    if record.status == "retired":
        raise Conflict("the activity is retired", [{"name": "activity", "reason": "retired"}])
    return record


async def issue(
    entity_id: str, activity_id: str | None, days: int = DEFAULT_DAYS, recipient: str = ""
) -> Issued:
    """A new link for the activity's owner (or to draft a new activity of the entity); audited."""
    problems = []
    if not 1 <= days <= MAX_DAYS:
        problems.append(("days", f"1 to {MAX_DAYS}"))
    if len(recipient.strip()) > MAX_NAME:
        problems.append(("recipient", f"at most {MAX_NAME} characters"))
    if problems:
        raise Invalid.of(problems)
    secret = secrets.token_urlsafe(32)
    now = utc_now()
    async with write_transaction():
        await records.get(ENTITY, entity_id)  # outside the caller's scope: NotFound
        if activity_id:
            activity_id = (await _bound_activity(entity_id, activity_id)).id
        row = QuestionnaireLink(
            id=uuid.uuid4(),
            entity=uuid.UUID(entity_id),
            activity=uuid.UUID(activity_id) if activity_id else None,
            token_hash=digest(secret),
            recipient=recipient.strip(),
            issued_by=current_actor().id,
            created_at=now,
            expires_at=now + dt.timedelta(days=days),
        )
        await QuestionnaireLink.insert(row)
        await audit_log.record(
            "questionnaire.issue",
            entity_type="questionnaire",
            entity_id=str(row.id),
            legal_entity_id=entity_id,
            details={"activity": activity_id, "expires_at": row.expires_at.isoformat()},
        )
        stored = await QuestionnaireLink.select().where(QuestionnaireLink.id == row.id).first()
    assert stored is not None
    return Issued(link=to_link(stored), secret=secret)


async def links(entity_id: str, activity_id: str | None = None, *, drafts: bool = False) -> list[Link]:
    """The entity's links (of one activity, or those for a new activity), newest first."""
    await records.get(ENTITY, entity_id)  # outside the caller's scope: NotFound
    query = QuestionnaireLink.select().where(QuestionnaireLink.entity == entity_id)
    if activity_id:
        query = query.where(QuestionnaireLink.activity == activity_id)
    elif drafts:
        query = query.where(QuestionnaireLink.activity.is_null())
    return [to_link(r) for r in await query.order_by(QuestionnaireLink.created_at, ascending=False)]


async def waiting(entity_ids: frozenset[str] | None) -> list[Link]:
    """Answers no officer has decided on, in the given entities (None: all), oldest first."""
    query = QuestionnaireLink.select().where(
        QuestionnaireLink.submitted_at.is_not_null() & (QuestionnaireLink.decision == "")
    )
    if entity_ids is not None:
        query = query.where(QuestionnaireLink.entity.is_in(sorted(entity_ids) or [str(uuid.UUID(int=0))]))
    return [to_link(r) for r in await query.order_by(QuestionnaireLink.submitted_at)]


async def find(link_id: str) -> Link:
    """One link by id, in the caller's scope (another entity's link does not exist for them)."""
    try:
        ident = str(uuid.UUID(link_id))
    except ValueError:
        raise NotFound(f"no questionnaire link '{link_id}'") from None
    row = await QuestionnaireLink.select().where(QuestionnaireLink.id == ident).first()
    if row is None:
        raise NotFound(f"no questionnaire link '{link_id}'")
    link = to_link(row)
    await records.get(ENTITY, link.entity)
    return link


async def revoke(link_id: str) -> Link:
    """Revoke an unanswered link (again: no change); audited."""
    async with write_transaction():
        link = await find(link_id)
        if link.submitted_at is not None:
            raise Conflict("the link was answered already", [{"name": "link", "reason": "answered"}])
        if link.revoked_at is None:
            await QuestionnaireLink.update({QuestionnaireLink.revoked_at: utc_now()}).where(
                QuestionnaireLink.id == link.id
            )
            await audit_log.record(
                "questionnaire.revoke",
                entity_type="questionnaire",
                entity_id=link.id,
                legal_entity_id=link.entity,
                details={"activity": link.activity},
            )
    return await find(link_id)


async def open_link(secret: str) -> Link:
    """The link a secret stands for while it can be answered; ``NotFound`` (the same) otherwise."""
    row = await QuestionnaireLink.select().where(QuestionnaireLink.token_hash == digest(secret)).first()
    link = to_link(row) if row is not None else None
    if link is None or link.state() != "open":
        raise NotFound(GONE)
    return link


def _checked(link: Link, kind: str, owner_name: str, answer: dict[str, str]) -> dict[str, str]:
    allowed = ("draft",) if link.activity is None else ("attest", "changes")
    problems = []
    if kind not in allowed:
        problems.append(("kind", "one of " + ", ".join(allowed)))
    if not owner_name.strip():
        problems.append(("owner_name", "your name is required"))
    elif len(owner_name.strip()) > MAX_NAME:
        problems.append(("owner_name", f"at most {MAX_NAME} characters"))
    names = (*FIELDS, "comment", *(DRAFT_FIELDS if kind == "draft" else ()))
    kept = {name: str(answer.get(name) or "").strip() for name in names if name in answer}  # sent fields only
    problems += [
        (name, f"at most {MAX_TEXT} characters") for name, text in kept.items() if len(text) > MAX_TEXT
    ]
    if kind == "draft" and not kept.get("name"):
        problems.append(("name", "the activity needs a name"))
    if kind == "draft" and len(kept.get("name", "")) > 300:
        problems.append(("name", "at most 300 characters"))
    if problems:
        raise Invalid.of(problems)
    return kept if kind != "attest" else {"comment": kept.get("comment", "")}


async def submit(
    secret: str, kind: str, owner_name: str, answer: dict[str, str], based_on_version: int | None
) -> Link:
    """Store the owner's one answer (the link is spent); audited with the link as the actor."""
    link = await open_link(secret)
    kept = _checked(link, kind, owner_name, answer)
    before = current_actor()
    token = set_actor(
        Actor(
            id=f"questionnaire:{link.id}",
            type="link",
            request_id=before.request_id,
            source_ref=before.source_ref,
        )
    )
    try:
        async with write_transaction():
            spent = (
                await QuestionnaireLink.update(
                    {
                        QuestionnaireLink.submitted_at: utc_now(),
                        QuestionnaireLink.kind: kind,
                        QuestionnaireLink.owner_name: owner_name.strip(),
                        QuestionnaireLink.answer: msgspec.json.encode(kept).decode(),
                        QuestionnaireLink.based_on_version: based_on_version,
                    }
                )
                .where(
                    (QuestionnaireLink.id == link.id)
                    & QuestionnaireLink.submitted_at.is_null()
                    & QuestionnaireLink.revoked_at.is_null()
                    & (QuestionnaireLink.expires_at > utc_now())
                )
                .returning(QuestionnaireLink.id)
            )
            if not spent:  # answered, revoked or expired since it was opened
                raise NotFound(GONE)
            await audit_log.record(
                "questionnaire.submit",
                entity_type="questionnaire",
                entity_id=link.id,
                legal_entity_id=link.entity,
                details={
                    "activity": link.activity,
                    "kind": kind,
                    "owner_name": owner_name.strip(),
                    "based_on_version": based_on_version,
                    "answer": kept,
                },
            )
    finally:
        reset_actor(token)
    row = await QuestionnaireLink.select().where(QuestionnaireLink.id == link.id).first()
    assert row is not None
    return to_link(row)
