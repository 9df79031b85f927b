"""Schema of a retention rule: a fixed duration, an event trigger or a criterion (Art. 30(1)(f))."""

from typing import Literal

from ropa.constraints import DataCategory, Duration, Key, LongText, Name, RecipientRef, ShortText, Url
from ropa.records.parts import Sourced


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
