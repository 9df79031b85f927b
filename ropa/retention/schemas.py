"""Schema of a retention rule: a fixed duration, an event trigger or a criterion (Art. 30(1)(f))."""

from typing import Literal

import msgspec

from ropa.constraints import DataCategory, Duration, Key, LongText, Name, RecipientRef, ShortText, Url
from ropa.records.parts import Sourced, Text, Translations


class RetentionText(Text, kw_only=True):
    name: Name | None = None
    applies_to: LongText | None = None
    criterion: LongText | None = None
    legal_obligation: LongText | None = None
    erasure_method: LongText | None = None
    backups_note: LongText | None = None
    notes: LongText | None = None


class RetentionTranslations(Translations, kw_only=True):
    en: RetentionText | None = None
    da: RetentionText | None = None
    nb: RetentionText | None = None
    fr: RetentionText | None = None


class RetentionData(Sourced, kw_only=True):
    key: Key
    name: Name
    data_categories: list[DataCategory] = []
    applies_to: LongText | None = None
    kind: Literal["fixed", "event", "criterion", "legal_hold"]
    duration: Duration | None = None
    trigger_event: ShortText | None = None
    start_event: ShortText | None = None
    criterion: LongText | None = None
    legal_obligation: LongText | None = None
    erasure_method: LongText | None = None
    backups_note: LongText | None = None
    policy_link: Url | None = None
    recipient: RecipientRef | None = None
    # Translations of the free text, per export language (docs/register-format.md); unset: none.
    translations: RetentionTranslations | msgspec.UnsetType = msgspec.UNSET
