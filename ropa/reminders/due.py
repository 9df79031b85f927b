"""What falls due: the items of the officer's to-do list, read once for the dashboard and the outbox.

Reviews overdue and processors whose DPF check is stale are the rules' own findings
(``review.overdue``, ``transfer.dpf_check_stale`` with its ``DPF_RECHECK_DAYS``), so the list and
the findings page never disagree on a threshold. Activities in review wait for a second person
(four eyes, ``ropa.records.approval``); risk acceptances are listed in the 30 days before they
expire, after which their findings are open again. Owners' answers to questionnaire links wait for
an officer to accept, apply or reject them (``ropa.records.questionnaire``).

Each item carries the words its reader needs (names, keys, dates) and a dedupe key: the outbox
queues one notice per key, so a second run queues nothing twice and a new review round (a new due
date, a new version in review) is a new notice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

import msgspec

from ropa.acceptances.schemas import AcceptanceData
from ropa.activities.schemas import ActivityData
from ropa.findings.services import FindingOut
from ropa.records import questionnaire
from ropa.records.approval import last_content_authors
from ropa.tables import FindingAcceptance, ProcessingActivity

EXPIRING_DAYS = 30
OVERDUE_RULE = "review.overdue"
DPF_RULE = "transfer.dpf_check_stale"
REASONS = ("overdue", "waiting", "answers", "high", "expiring", "dpf")
# Where a finding's record is shown, by record kind (an activity has its own page).
SHOWN_ON = {
    "processor": "processors",
    "recipient": "processors",
    "transfer": "transfers",
    "retention_rule": "retention",
}


@dataclasses.dataclass
class Due:
    """One thing an officer has to act on, for one legal entity."""

    reason: str  # one of REASONS
    entity_id: str
    record_kind: str
    record_key: str  # the record's key; a questionnaire link's id
    name: str  # the record's name (an activity, an acceptance); for findings the rule id
    href: str  # the path of the page where it is acted on
    due_on: dt.date
    identity: str  # what makes it one notice (hashed into the outbox's dedupe key)
    owner: str = ""  # answers: the name the owner typed
    author: str = ""  # waiting: the audit actor who last changed the activity's content
    message: dict[str, str] = dataclasses.field(default_factory=dict)  # findings: the rule's message

    @property
    def dedupe_key(self) -> str:
        return hashlib.sha256(f"{self.reason}\x1f{self.entity_id}\x1f{self.identity}".encode()).hexdigest()


def record_href(entity_id: str, kind: str, key: str | None) -> str:
    if kind == "activity" and key:
        return f"/entities/{entity_id}/activities/{key}"
    return f"/entities/{entity_id}/{SHOWN_ON.get(kind, 'findings')}"


async def due_items(
    today: dt.date, open_findings: list[FindingOut], entity_keys: dict[str, str]
) -> list[Due]:
    """Everything due for the entities of ``entity_keys`` (id -> key), in the to-do list's order.

    ``open_findings`` are the open findings evaluated as of ``today`` (the caller evaluates the rules
    once and may share them with other counts). Call it inside one read snapshot."""
    ids = sorted(entity_keys)
    if not ids:
        return []
    by_key = {key: i for i, key in entity_keys.items()}
    activities = await (
        ProcessingActivity.select(
            ProcessingActivity.id,
            ProcessingActivity.entity,
            ProcessingActivity.key,
            ProcessingActivity.name,
            ProcessingActivity.status,
            ProcessingActivity.version,
            ProcessingActivity.updated_at,
        )
        .where(ProcessingActivity.entity.is_in(ids))
        .order_by(ProcessingActivity.key)
    )
    items: list[Due] = []
    in_review = [a for a in activities if a["status"] == "in_review"]
    authors = await last_content_authors([str(a["id"]) for a in in_review], ActivityData)
    for a in in_review:
        entity_id, activity_id = str(a["entity"]), str(a["id"])
        items.append(
            Due(
                "waiting",
                entity_id,
                "activity",
                a["key"],
                a["name"],
                f"/entities/{entity_id}/activities/{activity_id}",
                a["updated_at"].date(),
                f"{activity_id}:{a['version']}",
                author=authors.get(activity_id, ""),
            )
        )
    by_id = {str(a["id"]): a for a in activities}
    for link in await questionnaire.waiting(frozenset(ids)):
        activity = by_id.get(link.activity or "")
        submitted = link.submitted_at or link.created_at
        items.append(
            Due(
                "answers",
                link.entity,
                "questionnaire",
                activity["key"] if activity is not None else "",
                activity["name"] if activity is not None else "",
                f"/questionnaires/{link.id}",
                submitted.date(),
                link.id,
                owner=link.owner_name,
            )
        )
    names = {(str(a["entity"]), a["key"]): a["name"] for a in activities}
    for found in open_findings:
        items.extend(_from_finding(found, by_key, names, today))
    items.extend(await _expiring(ids, today))
    order = {reason: n for n, reason in enumerate(REASONS)}
    return sorted(items, key=lambda d: order[d.reason])  # stable: each group keeps its own order


def _from_finding(
    found: FindingOut, by_key: dict[str, str], names: dict[tuple[str, str], str], today: dt.date
) -> list[Due]:
    f = found.finding
    entity_id = by_key.get(f.entity_key)
    if entity_id is None:
        return []
    key = f.record_key or ""
    href = record_href(entity_id, f.record_kind, f.record_key)
    identity = f"{f.rule_id}:{f.record_kind}:{key}:{f.field or ''}"
    message = dict(f.message)
    if f.rule_id == OVERDUE_RULE:
        due = dt.date.fromisoformat(str(f.details["due"])) if f.details.get("due") else today
        name = names.get((entity_id, key), key)
        return [Due("overdue", entity_id, f.record_kind, key, name, href, due, f"{identity}:{due}")]
    if f.rule_id == DPF_RULE:
        return [Due("dpf", entity_id, f.record_kind, key, f.rule_id, href, today, identity, message=message)]
    if f.severity == "high":
        return [Due("high", entity_id, f.record_kind, key, f.rule_id, href, today, identity, message=message)]
    return []


async def _expiring(ids: list[str], today: dt.date) -> list[Due]:
    rows = await (
        FindingAcceptance.select(
            FindingAcceptance.id, FindingAcceptance.entity, FindingAcceptance.status, FindingAcceptance.data
        )
        .where(FindingAcceptance.entity.is_in(ids))
        .output(load_json=False)
    )
    items = []
    for row in rows:
        if row["status"] == "retired":
            continue
        data = msgspec.json.decode(row["data"], type=AcceptanceData)
        if today <= data.expires_on <= today + dt.timedelta(days=EXPIRING_DAYS):
            entity_id = str(row["entity"])
            items.append(
                Due(
                    "expiring",
                    entity_id,
                    "acceptance",
                    data.key,
                    data.name,
                    f"/entities/{entity_id}/findings?status=accepted",
                    data.expires_on,
                    f"{row['id']}:{data.expires_on}",
                )
            )
    return items
