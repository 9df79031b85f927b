"""Schema of a vocabulary term: a stable key with labels in English, Danish and Norwegian."""

from typing import Any

from ropa.constraints import Key, LongText, ShortText
from ropa.records.parts import Base


class Labels(Base, kw_only=True):
    en: ShortText
    da: ShortText
    nb: ShortText


class TermData(Base, kw_only=True):
    vocabulary: Key
    key: Key
    labels: Labels
    description: LongText | None = None
    deprecated: bool = False
    replaced_by: Key | None = None
    attributes: dict[str, Any] = {}
