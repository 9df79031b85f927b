"""The outbox's services: queue what is due, list the outbox, send what is queued.

Queueing reads what is due (``ropa.reminders.due``, the dashboard's own list) and inserts one row
per new dedupe key; a queued notice whose matter is settled (the review done, the answer decided)
is cancelled. Sending resolves the recipients at that moment (the compliance officers in the
entity's scope with an e-mail address) and delivers each row by SMTP when the settings name a
server; otherwise the rows stay queued. A failed delivery keeps its error's class name, never its
message, and is tried again by a later run until ``MAX_ATTEMPTS``.

Every queued, cancelled, sent or failed notice is an audit event written with its row; the events
and the logs name the reminder, its reason and its entity by id, never an address or register text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import smtplib
import uuid
from typing import Any

import msgspec
import structlog

from audit import log as audit_log
from ropa.access.model import visible_entities
from ropa.access.principals import utc_now
from ropa.access.tables import AppUser
from ropa.db import read_snapshot, write_transaction
from ropa.findings.services import list_findings
from ropa.i18n import LANGUAGES, Lang
from ropa.reminders import mail
from ropa.reminders.due import Due, due_items
from ropa.reminders.tables import Reminder
from ropa.settings import Settings
from ropa.tables import LegalEntity

log = structlog.get_logger("ropa.reminders")
MAX_ATTEMPTS = 5
STATUSES = ("queued", "sent", "failed", "cancelled")
OPEN = ("queued", "failed")  # rows a later run may still deliver or cancel
_NONE = str(uuid.UUID(int=0))


@dataclasses.dataclass
class Queued:
    queued: int
    cancelled: int


@dataclasses.dataclass
class Sent:
    sent: int
    failed: int
    waiting: int  # rows left queued: mail is not configured


async def _entities() -> dict[str, dict[str, Any]]:
    """The legal entities the caller may see (all for the CLI), by id."""
    visible = visible_entities()
    rows = await LegalEntity.select(
        LegalEntity.id, LegalEntity.key, LegalEntity.name, LegalEntity.data
    ).output(load_json=False)
    return {str(r["id"]): r for r in rows if visible is None or str(r["id"]) in visible}


async def queue(today: dt.date | None = None) -> Queued:
    """Queue a notice for everything due in the entities the caller may see; cancel the settled."""
    today = today or utc_now().date()
    async with read_snapshot():
        entities = await _entities()
        findings = await list_findings(status="open", today=today)
        due = await due_items(today, findings, {i: str(e["key"]) for i, e in entities.items()})
    wanted = {d.dedupe_key: d for d in due}
    ids = sorted(entities) or [_NONE]
    async with write_transaction():
        rows = await Reminder.select(
            Reminder.id, Reminder.dedupe_key, Reminder.status, Reminder.entity
        ).where(Reminder.entity.is_in(ids))
        known = {r["dedupe_key"] for r in rows}
        # one notice per key: a rule may report one record once per activity it concerns
        new = [d for key, d in wanted.items() if key not in known]
        for item in new:
            await _insert(item)
        settled = [r for r in rows if r["status"] in OPEN and r["dedupe_key"] not in wanted]
        for row in settled:
            await Reminder.update({Reminder.status: "cancelled"}).where(Reminder.id == row["id"])
            await audit_log.record(
                "reminder.cancel",
                entity_type="reminder",
                entity_id=str(row["id"]),
                legal_entity_id=str(row["entity"]),
            )
    log.info("reminders.queued", queued=len(new), cancelled=len(settled))
    return Queued(len(new), len(settled))


async def _insert(item: Due) -> None:
    row = Reminder(
        id=uuid.uuid4(),
        entity=item.entity_id,
        reason=item.reason,
        record_kind=item.record_kind,
        record_key=item.record_key[:64],
        record_name=item.name[:300],
        href=item.href,
        due_on=item.due_on,
        dedupe_key=item.dedupe_key,
        status="queued",
        attempts=0,
        last_error="",
        recipients="[]",
        created_at=utc_now(),
        sent_at=None,
    )
    await Reminder.insert(row)
    await audit_log.record(
        "reminder.queue",
        entity_type="reminder",
        entity_id=str(row.id),
        legal_entity_id=item.entity_id,
        details={"reason": item.reason, "due_on": item.due_on.isoformat()},
    )


async def outbox(status: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """The outbox, newest first, for the entities the caller may see; ``status`` narrows it."""
    entities = await _entities()
    query = Reminder.select().where(Reminder.entity.is_in(sorted(entities) or [_NONE]))
    if status:
        query = query.where(Reminder.status == status)
    rows = await query.order_by(Reminder.created_at, ascending=False).order_by(Reminder.id).limit(limit)
    for row in rows:
        row["entity_name"] = entities[str(row["entity"])]["name"]
    return rows


async def _officers() -> list[dict[str, Any]]:
    """Compliance officers who can receive a mail: enabled, with an address."""
    rows = await AppUser.select(AppUser.id, AppUser.entities, AppUser.email).where(
        (AppUser.role == "compliance_officer") & (AppUser.disabled == False) & (AppUser.email != "")  # noqa: E712
    )
    for row in rows:
        row["scope"] = set(msgspec.json.decode(row["entities"]))
    return rows


def _language(entity: dict[str, Any]) -> Lang:
    found = msgspec.json.decode(entity["data"]).get("default_language")
    return found if found in LANGUAGES else "en"


async def send(settings: Settings) -> Sent:
    """Deliver every queued notice (and retry failed ones) in the caller's entities."""
    entities = await _entities()
    rows = await Reminder.select().where(
        Reminder.entity.is_in(sorted(entities) or [_NONE])
        & Reminder.status.is_in(list(OPEN))
        & (Reminder.attempts < MAX_ATTEMPTS)
    )
    if not settings.mail_configured:
        return Sent(0, 0, len(rows))
    officers = await _officers()
    sent = failed = 0
    for row in sorted(rows, key=lambda r: r["created_at"]):
        entity = entities[str(row["entity"])]
        to = [o for o in officers if str(row["entity"]) in o["scope"] or "*" in o["scope"]]
        ok = await _attempt(settings, row, entity, to)
        if ok is not None:
            sent, failed = sent + ok, failed + (not ok)
    log.info("reminders.sent", sent=sent, failed=failed)
    return Sent(sent, failed, 0)


async def _claim(row: dict[str, Any]) -> bool:
    """Count the attempt before delivering: of two runs at once, one delivers, the other skips."""
    async with write_transaction():
        claimed = await (
            Reminder.update({Reminder.attempts: row["attempts"] + 1})
            .where(
                (Reminder.id == row["id"])
                & (Reminder.attempts == row["attempts"])
                & Reminder.status.is_in(list(OPEN))
            )
            .returning(Reminder.id)
        )
    return bool(claimed)


async def _attempt(
    settings: Settings, row: dict[str, Any], entity: dict[str, Any], to: list[dict[str, Any]]
) -> bool | None:
    """One delivery of one row, its outcome written with its audit event; None: another run has it."""
    error = ""
    attempts = row["attempts"]
    if not to:
        # Not an attempt at delivery: it waits for an officer's address, not for a server. Said once
        # (one audit event), not again on every run while nothing has changed.
        error = mail.NoRecipients.__name__
        if row["status"] == "failed" and row["last_error"] == error:
            return False
    else:
        if not await _claim(row):
            return None
        attempts += 1
        message = mail.compose(settings, _language(entity), [o["email"] for o in to], entity["name"], row)
        try:
            await mail.deliver(settings, message)
        except (smtplib.SMTPException, OSError) as exc:
            error = type(exc).__name__
    changes: dict[Any, Any] = {Reminder.last_error: error}
    if error:
        changes[Reminder.status] = "failed"
    else:
        ids = [str(o["id"]) for o in to]
        changes |= {
            Reminder.status: "sent",
            Reminder.sent_at: utc_now(),
            Reminder.recipients: msgspec.json.encode(ids).decode(),
        }
    async with write_transaction():
        await Reminder.update(changes).where(Reminder.id == row["id"])
        details: dict[str, Any] = {"attempts": attempts}
        if error:
            details["error"] = error
        else:
            details["recipients"] = len(to)
        await audit_log.record(
            "reminder.fail" if error else "reminder.send",
            entity_type="reminder",
            entity_id=str(row["id"]),
            legal_entity_id=str(row["entity"]),
            details=details,
        )
    if error:
        log.warning("reminder.failed", reminder=str(row["id"]), error=error, attempts=attempts)
    return not error
