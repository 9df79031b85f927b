"""An activity's review cycle and its four-eyes approval, checked when an activity is saved.

- **Review cycle.** An activity may name an ``owner`` and a ``review_interval_months``. A save that
  records a review (``last_reviewed_at``) without a new ``next_review_due`` gets last review +
  interval as its next review.
- **Four eyes.** Moving an activity to ``approved`` needs a second person: a principal whose role
  holds ``register.approve`` and who is not the one who last changed the activity's content (read
  from the audit log: the newest event of the activity whose before and after differ in more than
  the status and the approval). Saving new content and approving it in one save is a change of
  one's own. The service, never the caller, sets ``approved_by`` (the actor id) and
  ``approved_at``; they are part of the record, so the approval is audited with the change.

The CLI, imports and a server with access control off have no principal and are trusted, as
everywhere else; an import (``register.import``) may carry activities already approved elsewhere.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

import msgspec

from audit.context import current_actor
from audit.tables import AuditEvent
from ropa.access.model import current_principal
from ropa.errors import Conflict, Forbidden

APPROVE = "register.approve"
# What a status move or an approval changes; everything else of an activity is its content.
NOT_CONTENT = frozenset({"status", "approved_by", "approved_at"})
OWN_CHANGE = "approved by the person who last changed it: a second person must approve"
NO_PERMISSION = "the role may not approve activities (register.approve)"


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months; the 31st becomes the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def content(body: Any, schema: type[Any]) -> dict[str, Any]:
    """An activity's fields but its status and approval, with the schema's defaults filled in (a
    record saved before a field existed does not differ from one that holds its default)."""
    if not body:
        return {}
    try:
        body = msgspec.to_builtins(msgspec.convert(body, schema))
    except msgspec.ValidationError:  # an old body the schema no longer reads: compared as it is
        pass
    return {k: v for k, v in body.items() if k not in NOT_CONTENT}


async def last_content_author(record_id: str, schema: type[Any]) -> str | None:
    """The actor of the newest event that changed the activity's content (its creation included)."""
    return (await last_content_authors([record_id], schema)).get(record_id)


async def last_content_authors(record_ids: list[str], schema: type[Any]) -> dict[str, str]:
    """``last_content_author`` of several activities, read in one query (the dashboard's to-do list);
    an activity whose content no event changed is left out."""
    if not record_ids:
        return {}
    events = (
        await AuditEvent.select(AuditEvent.entity_id, AuditEvent.actor_id, AuditEvent.body)
        .where((AuditEvent.entity_type == "activity") & (AuditEvent.entity_id.is_in(record_ids)))
        .order_by(AuditEvent.event_id, ascending=False)
    )
    authors: dict[str, str] = {}
    for event in events:
        record_id = str(event["entity_id"])
        if record_id in authors:
            continue
        body = msgspec.json.decode(event["body"])
        if content(body.get("before"), schema) != content(body.get("after"), schema):
            authors[record_id] = str(event["actor_id"])
    return authors


def _refuse_own_change() -> Conflict:
    return Conflict(
        "an activity is approved by a second person, not by whoever last changed its content",
        [{"name": "status", "reason": OWN_CHANGE}],
    )


def _check_approver() -> bool:
    """Whether a principal is asking (False: trusted); a principal without the permission is refused."""
    principal = current_principal()
    if principal is None:
        return False
    if not principal.may(APPROVE):
        raise Forbidden(
            f"the role {principal.role} may not approve activities",
            [{"name": "status", "reason": NO_PERMISSION}],
        )
    return True


def _next_review(data: Any, stored: dict[str, Any] | None) -> None:
    last, months = data.last_reviewed_at, data.review_interval_months
    if last is None or months is None:
        return
    stored = stored or {}
    review_saved = last.isoformat() != stored.get("last_reviewed_at")
    due_kept = (data.next_review_due.isoformat() if data.next_review_due else None) == stored.get(
        "next_review_due"
    )
    if data.next_review_due is None or (review_saved and due_kept):
        data.next_review_due = add_months(last, months)


async def before_create(data: Any) -> None:
    principal = current_principal()
    if principal is not None and not principal.may("register.import"):
        if data.status == "approved":
            _check_approver()
            raise _refuse_own_change()  # whoever creates it wrote its content
        data.approved_by, data.approved_at = None, None
    # Trusted callers and imports keep the approval the record carries.
    _next_review(data, None)


async def before_update(data: Any, row: dict[str, Any]) -> None:
    stored = msgspec.json.decode(row["data"])
    if data.status == "approved" and row["status"] != "approved":
        if _check_approver():
            actor = current_actor().id
            schema = type(data)
            changes_content = content(msgspec.to_builtins(data), schema) != content(stored, schema)
            if changes_content or await last_content_author(str(row["id"]), schema) == actor:
                raise _refuse_own_change()
        data.approved_by, data.approved_at = current_actor().id, dt.datetime.now(dt.UTC)
    elif data.status == "approved":  # stays approved: the approval is kept as it was
        data.approved_by = stored.get("approved_by")
        approved_at = stored.get("approved_at")
        data.approved_at = dt.datetime.fromisoformat(approved_at) if approved_at else None
    else:
        data.approved_by, data.approved_at = None, None
    _next_review(data, stored)
