"""What findings' messages say instead of field names and enum values, in English, Danish and Norwegian."""

from typing import Any

from ropa.activities.schemas import Purpose
from ropa.rules.model import LANGUAGES as LANGS
from ropa.rules.model import Words, words

# The elements of a record a message may name as missing, by field name (the details keep the name).
FIELDS: dict[str, Words] = {
    w.raw: w
    for w in (
        words("purposes", "purposes", "formål", "formål"),
        words(
            "data_subjects",
            "categories of data subjects",
            "kategorier af registrerede",
            "kategorier av registrerte",
        ),
        words(
            "data_categories",
            "categories of personal data",
            "kategorier af personoplysninger",
            "kategorier av personopplysninger",
        ),
        words("legal_name", "legal entity name", "juridisk navn", "juridisk navn"),
        words("contract", "data processing agreement", "databehandleraftale", "databehandleravtale"),
        words(
            "decision", "SCC decision", "afgørelse om standardkontrakter", "beslutning om standardklausuler"
        ),
        words("module", "SCC module", "modul", "modul"),
        words(
            "tia_reference",
            "transfer impact assessment",
            "konsekvensanalyse for overførslen (TIA)",
            "vurdering av overføringen (TIA)",
        ),
        words("recipient", "recipient", "modtager", "mottaker"),
        words("certification", "certification", "certificering", "sertifisering"),
        words("checked_on", "date of the check", "dato for opslaget", "dato for oppslaget"),
        words("duration", "period", "periode", "periode"),
        words("trigger_event", "erasure event", "sletningshændelse", "slettehendelse"),
        words("criterion", "criterion", "kriterium", "kriterium"),
        words("legal_obligation", "legal obligation", "retlig forpligtelse", "rettslig forpliktelse"),
    )
}

RETENTION_KINDS: dict[str, Words] = {
    w.raw: w
    for w in (
        words("fixed", "fixed period", "fast periode", "fast periode"),
        words("event", "erasure event", "sletningshændelse", "slettehendelse"),
        words("criterion", "criterion", "kriterium", "kriterium"),
        words(
            "legal_hold", "legal obligation to keep", "retlig opbevaringspligt", "rettslig oppbevaringsplikt"
        ),
    )
}

ROLES: dict[str, Words] = {
    w.raw: w
    for w in (
        words("controller", "controller", "dataansvarlig", "behandlingsansvarlig"),
        words("processor", "processor", "databehandler", "databehandler"),
        words("joint_controller", "joint controller", "fælles dataansvarlig", "felles behandlingsansvarlig"),
    )
}


def named(table: dict[str, Words], key: str) -> Words:
    """The worded value of ``key``; one the table lacks is shown as it is."""
    return table.get(key) or words(key, key, key, key)


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


MORE = ("and {n} more", "og {n} flere", "og {n} flere")


def first(keys: list[str], shown: int = 5) -> Any:
    """At most ``shown`` record keys in a message, then how many more (the details keep them all)."""
    if len(keys) <= shown + 1:  # "and 1 more" would be no shorter
        return keys
    rest = len(keys) - shown
    head = ", ".join(keys[:shown])
    en, da, nb = (f"{head} {m.format(n=rest)}" for m in MORE)
    return words(keys, en, da, nb)


def joined(parts: list[Words], sep: str = "; ") -> Words:
    """Several worded values as one (reasons, say), joined in each language."""
    return Words(
        sep.join(str(p.raw) for p in parts), {lang: sep.join(p.texts[lang] for p in parts) for lang in LANGS}
    )
