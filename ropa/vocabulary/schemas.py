"""Schema of a vocabulary term: a stable key with labels in English, Danish and Norwegian, and French
for the exports (optional: a custom term without one is reported by the export's language check)."""

from typing import Any

from ropa.constraints import Key, LongText, ShortText
from ropa.records.parts import Base


class Labels(Base, kw_only=True, omit_defaults=True):
    en: ShortText
    da: ShortText
    nb: ShortText
    fr: ShortText | None = None


class TermData(Base, kw_only=True):
    vocabulary: Key
    key: Key
    labels: Labels
    description: LongText | None = None
    deprecated: bool = False
    replaced_by: Key | None = None
    attributes: dict[str, Any] = {}
