"""What findings' messages say instead of field names and enum values, in English, Danish and Norwegian:
the words are the rules' catalogue (``ropa.i18n``, ``rules.yaml``)."""

from typing import Any

from ropa.activities.schemas import Purpose
from ropa.i18n import LANGUAGES, catalogue, entry
from ropa.rules.model import Words, words


def _table(group: str) -> dict[str, Words]:
    """One group of the rules' catalogue (``field.*``, ...) as worded values, by the value they word."""
    prefix = f"{group}."
    return {
        key[len(prefix) :]: Words(key[len(prefix) :], dict(texts))
        for key, texts in catalogue("rules").items()
        if key.startswith(prefix)
    }


# The elements of a record a message may name as missing, by field name (the details keep the name).
FIELDS: dict[str, Words] = _table("field")
RETENTION_KINDS: dict[str, Words] = _table("retention_kind")
ROLES: dict[str, Words] = _table("role")
REGIONS: dict[str, Words] = _table("region")
PLACES: dict[str, Words] = _table("place")


def named(table: dict[str, Words], key: str) -> Words:
    """The worded value of ``key``; one the table lacks is shown as it is."""
    return table.get(key) or Words(key, {lang: key for lang in LANGUAGES})


def fields(names: list[str]) -> list[Words]:
    return [named(FIELDS, n) for n in names]


def purpose(p: Purpose) -> Words:
    """The purpose as the source worded it where the message is in the source's language (as the exports
    do); otherwise the original wording before a translation into a third language."""
    original = p.original.rstrip(",;. ") if p.original else None
    description = p.description.rstrip(",;. ")

    def in_(lang: str) -> str:
        if original and p.language == lang:
            return original
        return description if lang == "en" or not original else original

    return words(p.description, in_("en"), in_("da"), in_("nb"))


def first(keys: list[str], shown: int = 5) -> Any:
    """At most ``shown`` record keys in a message, then how many more (the details keep them all)."""
    if len(keys) <= shown + 1:  # "and 1 more" would be no shorter
        return keys
    rest = len(keys) - shown
    head = ", ".join(keys[:shown])
    return Words(
        keys, {lang: f"{head} {more.format(n=rest)}" for lang, more in entry("rules", "more").items()}
    )


def joined(parts: list[Words], sep: str = "; ") -> Words:
    """Several worded values as one (reasons, say), joined in each language."""
    return Words(
        sep.join(str(p.raw) for p in parts),
        {lang: sep.join(p.texts[lang] for p in parts) for lang in LANGUAGES},
    )
