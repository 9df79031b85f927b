"""Piccolo tables of the register: indexed columns for lookup, the full record as JSON text."""

from piccolo.columns import UUID, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table


class RecordColumns:
    """Columns every register record shares: identity, optimistic version, status, JSON body."""

    id = UUID(primary_key=True, help_text="Stable identifier exposed in URLs")
    key = Varchar(length=64, help_text="Human key, unique within its legal entity (e.g. PA-DK-01)")
    name = Varchar(length=300, help_text="Display name, also used for sorting")
    status = Varchar(length=20, index=True, help_text="Lifecycle status; 'retired' records are kept")
    version = Integer(default=1, help_text="Incremented on every change; stale updates get 409")
    search_text = Text(help_text="Lower-cased searchable text")
    data = Text(help_text="The whole record as JSON (msgspec-encoded)")
    created_at = Timestamptz()
    updated_at = Timestamptz()


class LegalEntity(RecordColumns, Table, tablename="legal_entity"):
    """A controller or processor that keeps a record under Art. 30."""


class ProcessingActivity(RecordColumns, Table, tablename="processing_activity"):
    """One processing activity of an entity (Art. 30(1) row, or 30(2) category of processing)."""

    entity = ForeignKey(LegalEntity, null=False, index=True, on_delete=OnDelete.restrict)


class Processor(RecordColumns, Table, tablename="processor"):
    """A vendor that processes data on the entity's behalf (Art. 28)."""

    entity = ForeignKey(LegalEntity, null=False, index=True, on_delete=OnDelete.restrict)


class Recipient(RecordColumns, Table, tablename="recipient"):
    """A category of recipients to whom data is disclosed (Art. 30(1)(d))."""

    entity = ForeignKey(LegalEntity, null=False, index=True, on_delete=OnDelete.restrict)


class Transfer(RecordColumns, Table, tablename="transfer"):
    """A transfer to a third country or international organisation (Art. 30(1)(e))."""

    entity = ForeignKey(LegalEntity, null=False, index=True, on_delete=OnDelete.restrict)


class RetentionRule(RecordColumns, Table, tablename="retention_rule"):
    """An erasure time limit for categories of data (Art. 30(1)(f))."""

    entity = ForeignKey(LegalEntity, null=False, index=True, on_delete=OnDelete.restrict)


class VocabularyTerm(RecordColumns, Table, tablename="vocabulary_term"):
    """A term of a controlled vocabulary; deprecated (status) with replaced_by, never deleted."""

    vocabulary = Varchar(length=64, index=True)


class FindingAcceptance(RecordColumns, Table, tablename="finding_acceptance"):
    """An accepted risk of a finding, with its reason and expiry; withdrawn by retiring it."""

    entity = ForeignKey(LegalEntity, null=False, index=True, on_delete=OnDelete.restrict)


class Cookie(RecordColumns, Table, tablename="cookie"):
    """A cookie or similar technology set on or read from the user's device (ePrivacy Art. 5(3))."""

    entity = ForeignKey(LegalEntity, null=False, index=True, on_delete=OnDelete.restrict)


TABLES = (
    LegalEntity,
    ProcessingActivity,
    Processor,
    Recipient,
    Transfer,
    RetentionRule,
    VocabularyTerm,
    FindingAcceptance,
    Cookie,
)
