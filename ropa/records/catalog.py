"""Every kind of register record, described once; services, controllers and import use this."""

from __future__ import annotations

from typing import Any

import msgspec

from ropa import tables
from ropa.acceptances.schemas import AcceptanceData
from ropa.activities.schemas import ActivityData
from ropa.cookies import schemas as cookies
from ropa.entities.schemas import EntityData
from ropa.processors.schemas import ProcessorData, RecipientData
from ropa.records.hooks import ActivityHooks, EntityHooks, TermHooks
from ropa.records.kinds import REGISTRY, Kind, _texts, record_table, register
from ropa.retention.schemas import RetentionData
from ropa.transfers.schemas import TransferData
from ropa.vocabulary.schemas import TermData


def _retention_checks(data: RetentionData) -> list[tuple[str, str]]:
    # Art. 30(1)(f): a time limit is a duration, an event or at least a stated criterion.
    needed = {"fixed": "duration", "event": "trigger_event", "criterion": "criterion"}.get(data.kind)
    if needed and not getattr(data, needed):
        return [(needed, f"required when kind is '{data.kind}'")]
    return []


def _activity_search(data: ActivityData) -> str:
    return _texts(
        data.key,
        data.name,
        data.description,
        data.business_function,
        data.system,
        [p.description for p in data.purposes],
    )


def _entity_search(data: EntityData) -> str:
    registration = data.registration.number if data.registration else None
    return _texts(data.key, data.legal_name, registration, data.country)


def _term_search(data: TermData) -> str:
    return _texts(data.vocabulary, data.key, data.labels.en, data.labels.da, data.labels.nb)


def _term_display(data: Any) -> str:
    return str(data.labels.en)


ENTITY = register(
    Kind(
        name="entity",
        path="entities",
        title="Entity",
        table=record_table(tables.LegalEntity),
        data=EntityData,
        scoped=False,
        display=lambda data: str(data.legal_name),
        search=_entity_search,
        hooks=EntityHooks(),
        create_perm="entities.create",
        write_perm="entities.manage",
    )
)
ACTIVITY = register(
    Kind(
        name="activity",
        path="activities",
        title="Activity",
        table=record_table(tables.ProcessingActivity),
        data=ActivityData,
        search=_activity_search,
        status_from_data=lambda data: str(data.status),
        retire_data=lambda data: msgspec.structs.replace(data, status="retired"),
        hooks=ActivityHooks(),
    )
)
PROCESSOR = register(
    Kind(
        name="processor",
        path="processors",
        title="Processor",
        table=record_table(tables.Processor),
        data=ProcessorData,
    )
)
RECIPIENT = register(
    Kind(
        name="recipient",
        path="recipients",
        title="Recipient",
        table=record_table(tables.Recipient),
        data=RecipientData,
    )
)
TRANSFER = register(
    Kind(
        name="transfer",
        path="transfers",
        title="Transfer",
        table=record_table(tables.Transfer),
        data=TransferData,
    )
)
RETENTION = register(
    Kind(
        name="retention_rule",
        path="retention-rules",
        title="RetentionRule",
        table=record_table(tables.RetentionRule),
        data=RetentionData,
        checks=_retention_checks,
    )
)
VOCABULARY = register(
    Kind(
        name="vocabulary_term",
        path="vocabularies",
        title="VocabularyTerm",
        table=record_table(tables.VocabularyTerm),
        data=TermData,
        scoped=False,
        retired_status="deprecated",
        display=_term_display,
        search=_term_search,
        status_from_data=lambda data: "deprecated" if data.deprecated else "active",
        retire_data=lambda data: msgspec.structs.replace(data, deprecated=True),
        hooks=TermHooks(),
        write_perm="vocabulary.write",
    )
)

ACCEPTANCE = register(
    Kind(
        name="finding_acceptance",
        path="finding-acceptances",
        title="FindingAcceptance",
        table=record_table(tables.FindingAcceptance),
        data=AcceptanceData,
        reactivates=False,  # a withdrawn acceptance stays withdrawn: accepting again is a new decision
    )
)
COOKIE = register(
    Kind(
        name="cookie",
        path="cookies",
        title="Cookie",
        table=record_table(tables.Cookie),
        data=cookies.CookieData,
        search=lambda data: _texts(data.key, data.name, data.provider, data.purpose, data.notes),
        checks=cookies.checks,
    )
)

# Record kinds that activities point at, and the activity field that holds the reference.
ACTIVITY_REFERENCE_FIELDS = {
    "recipient": "recipients",
    "transfer": "transfers",
    "retention_rule": "retention",
}

__all__ = [
    "REGISTRY",
    "ACCEPTANCE",
    "ACTIVITY",
    "COOKIE",
    "ENTITY",
    "PROCESSOR",
    "RECIPIENT",
    "TRANSFER",
    "RETENTION",
    "VOCABULARY",
]
