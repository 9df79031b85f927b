"""The dashboard's to-do list: what the compliance officer has to act on, each item a link.

Reviews overdue and processors whose DPF check is stale are the rules' own findings
(``review.overdue``, ``transfer.dpf_check_stale`` with its ``DPF_RECHECK_DAYS``), so the list and
the findings page never disagree on a threshold. Activities in review wait for a second person
(four eyes, ``ropa.records.approval``); risk acceptances are listed in the 30 days before they
expire, after which their findings are open again. Owners' answers to questionnaire links wait for
an officer to accept, apply or reject them (``ropa.records.questionnaire``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import msgspec

from ropa.acceptances.schemas import AcceptanceData
from ropa.access.model import current_principal, visible_entities
from ropa.activities.schemas import ActivityData
from ropa.db import read_snapshot
from ropa.findings.services import FindingOut
from ropa.records import questionnaire
from ropa.records.approval import last_content_authors
from ropa.tables import FindingAcceptance, ProcessingActivity
from ropa.web import reads
from ropa.web.pages import UiTexts

EXPIRING_DAYS = 30
OVERDUE_RULE = "review.overdue"
DPF_RULE = "transfer.dpf_check_stale"
GROUPS = ("overdue", "waiting", "answers", "high", "expiring", "dpf")
# Where a finding's record is shown, by record kind (an activity has its own page).
SHOWN_ON = {
    "processor": "processors",
    "recipient": "processors",
    "transfer": "transfers",
    "retention_rule": "retention",
}


@dataclasses.dataclass
class Item:
    href: str
    text: str  # in the page's language: the list's own words, or the finding's message
    entity: str  # the legal entity's name
    yours: bool = False  # an activity in review whose content this user changed last


def _message(message: dict[str, str], t: UiTexts) -> str:
    """A finding's message in the page's language."""
    return message.get(t.lang) or message.get("en", "")


def _record_href(entity_id: str, kind: str, key: str | None) -> str:
    if kind == "activity" and key:
        return f"/entities/{entity_id}/activities/{key}"
    return f"/entities/{entity_id}/{SHOWN_ON.get(kind, 'findings')}"


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
    ids = [i for i in entities if visible is None or i in visible]
    if not ids:
        return groups
    by_key = {e.key: (i, e) for i, e in entities.items() if i in ids}
    activities = await (
        ProcessingActivity.select(
            ProcessingActivity.id,
            ProcessingActivity.entity,
            ProcessingActivity.key,
            ProcessingActivity.name,
            ProcessingActivity.status,
        )
        .where(ProcessingActivity.entity.is_in(ids))
        .order_by(ProcessingActivity.key)
    )
    names = {(str(a["entity"]), a["key"]): a["name"] for a in activities}
    principal = current_principal()
    in_review = [a for a in activities if a["status"] == "in_review"]
    authors = await last_content_authors([str(a["id"]) for a in in_review], ActivityData)
    for a in in_review:
        entity_id = str(a["entity"])
        author = authors.get(str(a["id"]))
        groups["waiting"].append(
            Item(
                f"/entities/{entity_id}/activities/{a['id']}",
                t("todo.waiting_item", name=a["name"], ref=a["key"]),
                entities[entity_id].name,
                yours=principal is not None and author == principal.actor_id,
            )
        )
    ids_by_activity = {str(a["id"]): a for a in activities}
    for link in await questionnaire.waiting(frozenset(ids)):
        activity = ids_by_activity.get(link.activity or "")
        text = (
            t("todo.answers_item", owner=link.owner_name, name=activity["name"], ref=activity["key"])
            if activity is not None
            else t("todo.answers_new", owner=link.owner_name)
        )
        groups["answers"].append(Item(f"/questionnaires/{link.id}", text, entities[link.entity].name))
    for found in open_findings:
        f = found.finding
        if f.entity_key not in by_key:
            continue
        entity_id, entity = by_key[f.entity_key]
        href = _record_href(entity_id, f.record_kind, f.record_key)
        if f.rule_id == OVERDUE_RULE:
            name = names.get((entity_id, f.record_key or ""), f.record_key or "")
            due = t.date(dt.date.fromisoformat(str(f.details["due"]))) if f.details.get("due") else ""
            text = t("todo.overdue_item", name=name, ref=f.record_key, due=due)
            groups["overdue"].append(Item(href, text, entity.name))
        elif f.rule_id == DPF_RULE:
            groups["dpf"].append(Item(href, _message(f.message, t), entity.name))
        if f.severity == "high" and f.rule_id not in (OVERDUE_RULE, DPF_RULE):
            groups["high"].append(Item(href, _message(f.message, t), entity.name))
    acceptances = await (
        FindingAcceptance.select(FindingAcceptance.entity, FindingAcceptance.status, FindingAcceptance.data)
        .where(FindingAcceptance.entity.is_in(ids))
        .output(load_json=False)
    )
    for row in acceptances:
        if row["status"] == "retired":
            continue
        data = msgspec.json.decode(row["data"], type=AcceptanceData)
        if today <= data.expires_on <= today + dt.timedelta(days=EXPIRING_DAYS):
            entity_id = str(row["entity"])
            text = t("todo.expiring_item", name=data.name, ref=data.key, date=t.date(data.expires_on))
            href = f"/entities/{entity_id}/findings?status=accepted"
            groups["expiring"].append(Item(href, text, entities[entity_id].name))
    return groups
