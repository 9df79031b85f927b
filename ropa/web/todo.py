"""The dashboard's to-do list: what the compliance officer has to act on, each item a link.

What is due is computed below the web (``ropa.reminders.due``), where the reminder outbox reads
the same items; this module words them in the page's language and marks the reader's own changes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from ropa.access.model import current_principal, visible_entities
from ropa.db import read_snapshot
from ropa.findings.services import FindingOut
from ropa.reminders.due import REASONS, Due, due_items
from ropa.web import reads
from ropa.web.pages import UiTexts

GROUPS = REASONS


@dataclasses.dataclass
class Item:
    href: str
    text: str  # in the page's language: the list's own words, or the finding's message
    entity: str  # the legal entity's name
    yours: bool = False  # an activity in review whose content this user changed last


def _message(message: dict[str, str], t: UiTexts) -> str:
    """A finding's message in the page's language."""
    return message.get(t.lang) or message.get("en", "")


async def todo(today: dt.date, t: UiTexts, open_findings: list[FindingOut]) -> dict[str, list[Item]]:
    """The items of every group, for the entities the caller may see, read in one snapshot.

    ``open_findings`` are the open findings the dashboard evaluated as of ``today`` (the rules run
    once per page, not once for the counts and again for the list)."""
    async with read_snapshot():
        return await _todo(today, t, open_findings)


async def _todo(today: dt.date, t: UiTexts, open_findings: list[FindingOut]) -> dict[str, list[Item]]:
    groups: dict[str, list[Item]] = {g: [] for g in GROUPS}
    entities = {str(e.id): e for e in await reads.entities()}
    visible = visible_entities()
    keys = {i: e.key for i, e in entities.items() if visible is None or i in visible}
    principal = current_principal()
    actor = principal.actor_id if principal is not None else None
    for due in await due_items(today, open_findings, keys):
        yours = due.reason == "waiting" and actor is not None and due.author == actor
        groups[due.reason].append(Item(due.href, _text(due, t), entities[due.entity_id].name, yours=yours))
    return groups


def _text(due: Due, t: UiTexts) -> str:
    if due.reason == "waiting":
        return t("todo.waiting_item", name=due.name, ref=due.record_key)
    if due.reason == "answers":
        if due.record_key:
            return t("todo.answers_item", owner=due.owner, name=due.name, ref=due.record_key)
        return t("todo.answers_new", owner=due.owner)
    if due.reason == "overdue":
        return t("todo.overdue_item", name=due.name, ref=due.record_key, due=t.date(due.due_on))
    if due.reason == "expiring":
        return t("todo.expiring_item", name=due.name, ref=due.record_key, date=t.date(due.due_on))
    return _message(due.message, t)
