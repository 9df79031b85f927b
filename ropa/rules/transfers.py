"""Transfers to third countries (Art. 30(1)(e), Chapter V), checked against dated reference data."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

from babel.dates import format_date

from ropa.i18n.citations import legal_act as national_title
from ropa.porting.schemas import EntityIn, TransferIn
from ropa.rules.authorities import regime
from ropa.rules.dpf import dpf_check_stale, dpf_unverified
from ropa.rules.model import Context, Hit, Term, Words, as_date, hit, rule, texts, words
from ropa.rules.words import PLACES, REGIONS, fields, joined

# The EEA is not a third country (EU member states plus Iceland, Liechtenstein and Norway).
EEA = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK IS LI NO".split()
)


def adequate(country: str, ctx: Context, on: dt.date) -> bool:
    """A general (not certification-based) adequacy decision covers the country on the date."""
    for term in ctx.vocabulary("country_adequacy"):
        a = term.attributes
        if a.get("country") != country or a.get("mechanism"):
            continue
        start, end = as_date(a.get("valid_from")), as_date(a.get("valid_to"))
        if (start is None or start <= on) and (end is None or on <= end):
            return True
    return False


def abroad(entity: EntityIn, country: str) -> bool:
    """A transfer to the country needs a Chapter V basis under the entity's regime. Under the EU GDPR the EEA
    (Norway, Iceland and Liechtenstein included) is not a third country; under the UK GDPR the EEA is adequate
    by UK adequacy regulations (DPA 2018 s. 17A, Sch. 21 para. 4-5), and the UK itself is home."""
    if country in EEA:
        return False
    return not (regime(entity) == "uk_gdpr" and country == "GB") and country != entity.country


def third_country(t: TransferIn, entity: EntityIn) -> bool:
    return t.destination_country is None or abroad(entity, t.destination_country)


NOT_STATED = PLACES["not_stated"]
UNNAMED_COUNTRY = PLACES["unnamed_country"]


def _destination(t: TransferIn) -> str | Words | None:
    """Where the transfer goes as the record names it: a country, an organisation, or a region."""
    if t.destination_country or t.international_organisation:
        return t.destination_country or t.international_organisation
    return REGIONS[t.destination_region] if t.destination_region else None


def _legal_act(text: str | None) -> Words:
    """The mechanism's legal act as each language titles it ("Kommissionens gennemførelsesafgørelse
    (EU) 2016/1250 af 12. juli 2016"), never the English title in a Danish or Norwegian message."""
    if not text:
        return words("-", "-", "-", "-")
    da = national_title(text, "da", lambda d: format_date(d, format="long", locale="da"))
    nb = national_title(text, "nb", lambda d: format_date(d, format="long", locale="nb"))
    return words(text, text, da, nb)


# Art. 44-46: a mechanism invalid or expired today, or when the transfer was agreed; high: no transfer basis.
@rule(
    "transfer.invalid_mechanism",
    "high",
    "Art. 44, 45, 46",
    texts(
        "Transfer {transfer} relies on {mechanism} ({legal_act}), which is not valid: {reason}.",
        "Overførslen {transfer} bygger på {mechanism} ({legal_act}), som ikke er gyldig: {reason}.",
        "Overføringen {transfer} bygger på {mechanism} ({legal_act}), som ikke er gyldig: {reason}.",
    ),
    texts(
        "Stop the transfer or move it to a valid instrument ({successor}); record the new basis.",
        "Stop overførslen eller flyt den til et gyldigt grundlag ({successor}); registrér det nye grundlag.",
        "Stans overføringen eller flytt den til et gyldig grunnlag "
        "({successor}); registrer det nye grunnlaget.",
    ),
)
def invalid_mechanism(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for t in entity.transfers:
        a = ctx.attrs("transfer_mechanism", t.mechanism)
        start, end = as_date(a.get("valid_from")), as_date(a.get("valid_to"))
        new_until = as_date(a.get("new_contracts_until"))
        signed, reasons = t.signed_on, []
        if end is not None and ctx.today > end:
            reasons.append(
                words(f"valid_to {end}", f"valid until {end}", f"gyldig til {end}", f"gyldig til {end}")
            )
        if signed is not None:
            if start is not None and signed < start:
                reasons.append(
                    words(
                        f"signed_on {signed} before valid_from {start}",
                        f"signed on {signed}, before it applied ({start})",
                        f"underskrevet {signed}, før den fandt anvendelse ({start})",
                        f"signert {signed}, før den gjaldt ({start})",
                    )
                )
            if end is not None and signed > end:
                reasons.append(
                    words(
                        f"signed_on {signed} after valid_to {end}",
                        f"signed on {signed}, after it ended ({end})",
                        f"underskrevet {signed}, efter at den ophørte ({end})",
                        f"signert {signed}, etter at den opphørte ({end})",
                    )
                )
            if new_until is not None and signed > new_until:
                reasons.append(
                    words(
                        f"signed_on {signed} after new_contracts_until {new_until}",
                        f"signed on {signed}, after the last day for new contracts ({new_until})",
                        f"underskrevet {signed}, efter sidste frist for nye aftaler ({new_until})",
                        f"signert {signed}, etter siste frist for nye avtaler ({new_until})",
                    )
                )
        if reasons:
            successor = a.get("successor") or a.get("replaced_by") or "scc_2021"
            yield hit(
                "transfer",
                t.key,
                "mechanism",
                transfer=t.key,
                mechanism=Term("transfer_mechanism", t.mechanism),
                legal_act=_legal_act(a.get("legal_act")),
                reason=joined(reasons),
                successor=Term("transfer_mechanism", successor),
            )


# Art. 30(1)(e): the record names the third country; high: without it no transfer basis can be shown.
@rule(
    "transfer.no_destination",
    "high",
    "Art. 30(1)(e)",
    texts(
        "Transfer {transfer} does not identify the third country or international organisation.",
        "Overførslen {transfer} angiver ikke tredjelandet eller den internationale organisation.",
        "Overføringen {transfer} angir ikke tredjelandet eller den internasjonale organisasjonen.",
    ),
    texts(
        "Record each destination country (and recipient), one transfer per destination.",
        "Angiv hvert modtagerland (og modtager), én overførsel pr. destination.",
        "Angi hvert mottakerland (og mottaker), én overføring per destinasjon.",
    ),
)
def no_destination(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for t in entity.transfers:
        # a region ("outside the EU/EEA") does not identify the country; general adequacy is
        # transfer.adequacy_destination_unnamed
        if (
            t.destination_country is None
            and t.international_organisation is None
            and not general_adequacy(t, ctx)
        ):
            yield hit("transfer", t.key, "destination_country", transfer=t.key)


def general_adequacy(t: TransferIn, ctx: Context) -> bool:
    """The basis is "an adequacy decision" for whatever the destination is: the claim confines the transfer to
    countries whose law the Commission found adequate. Every other mechanism (SCCs and the other safeguards,
    which need the destination's law assessed; derogations; the DPF, for certified US recipients only) can be
    shown valid only for a named destination."""
    a = ctx.attrs("transfer_mechanism", t.mechanism)
    return a.get("type") == "adequacy" and not a.get("country") and not a.get("valid_to")


# Art. 30(1)(e), 45: an adequacy claim still needs the country it is used for (decisions are per country and
# some partial); medium: a basis confined to adequate countries is stated, an Art. 30(1)(e) element missing.
@rule(
    "transfer.adequacy_destination_unnamed",
    "medium",
    "Art. 30(1)(e), 45",
    texts(
        "Transfer {transfer} relies on {mechanism} but names no third country ({destination}): "
        "whether the basis covers the destination cannot be checked.",
        "Overførslen {transfer} bygger på {mechanism}, men angiver intet tredjeland ({destination}): "
        "det kan ikke kontrolleres, om grundlaget dækker modtagerlandet.",
        "Overføringen {transfer} bygger på {mechanism}, men angir ikke noe tredjeland ({destination}): "
        "det kan ikke kontrolleres om grunnlaget dekker mottakerlandet.",
    ),
    texts(
        "Record each destination country and its recipient, one transfer per destination, and check that the "
        "basis covers it.",
        "Angiv hvert modtagerland og dets modtager, én overførsel pr. destination, og kontrollér, at "
        "grundlaget dækker det.",
        "Angi hvert mottakerland og mottakeren der, én overføring per destinasjon, og kontroller at "
        "grunnlaget dekker det.",
    ),
)
def adequacy_destination_unnamed(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for t in entity.transfers:
        unnamed = t.destination_country is None and t.international_organisation is None
        if unnamed and general_adequacy(t, ctx):
            yield hit(
                "transfer",
                t.key,
                "destination_country",
                transfer=t.key,
                mechanism=Term("transfer_mechanism", t.mechanism),
                destination=_destination(t) or NOT_STATED,
            )


# Art. 44-46, 49: a third country needs adequacy, a safeguard or a derogation; high: no transfer basis.
@rule(
    "transfer.no_safeguard",
    "high",
    "Art. 44, 45, 46, 49",
    texts(
        "Transfer {transfer} to {country} has no valid ground: {reason}.",
        "Overførslen {transfer} til {country} har intet gyldigt grundlag: {reason}.",
        "Overføringen {transfer} til {country} har ikke noe gyldig grunnlag: {reason}.",
    ),
    texts(
        "Use an adequacy decision covering {country}, SCCs 2021/914 "
        "with a TIA, or document the Art. 49 derogation.",
        "Brug en tilstrækkelighedsafgørelse for {country}, standardkontrakter 2021/914 med TIA, "
        "eller dokumentér undtagelsen efter art. 49.",
        "Bruk en beslutning om tilstrekkelig beskyttelsesnivå for {country}, standardklausuler 2021/914 "
        "med TIA, eller dokumenter unntaket etter art. 49.",
    ),
)
def no_safeguard(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for t in entity.transfers:
        country = t.destination_country
        destination = _destination(t)
        if ctx.attrs("transfer_mechanism", t.mechanism).get("type") == "unspecified":
            # "on a transfer basis" names none: whatever the destination, no Chapter V ground is shown
            if third_country(t, entity):
                where = destination or UNNAMED_COUNTRY
                yield hit("transfer", t.key, "mechanism", transfer=t.key, country=where, reason=_unnamed(t))
            continue
        if country is None or not third_country(t, entity):
            continue
        reason = _no_safeguard_reason(t, country, ctx.attrs("transfer_mechanism", t.mechanism), ctx)
        if reason is not None:
            yield hit("transfer", t.key, "mechanism", transfer=t.key, country=country, reason=reason)


def _unnamed(t: TransferIn) -> Words:
    """The reason a transfer of ``unspecified`` mechanism has no ground, with the document's words if kept."""
    claimed = f' ("{t.mechanism_claimed}")' if t.mechanism_claimed else ""
    return words(
        f"mechanism unspecified{claimed}",
        f"the record names no transfer basis{claimed}",
        f"fortegnelsen angiver intet overførselsgrundlag{claimed}",
        f"protokollen angir ikke noe overføringsgrunnlag{claimed}",
    )


def _no_safeguard_reason(t: TransferIn, country: str, a: dict[str, Any], ctx: Context) -> Words | None:
    kind, m, today = a.get("type"), t.mechanism, ctx.today
    if kind is None:
        return words(
            f"unknown mechanism {m}",
            f"unknown mechanism {m}",
            f"ukendt overførselsgrundlag {m}",
            f"ukjent overføringsgrunnlag {m}",
        )
    if kind == "adequacy" and a.get("country") and a["country"] != country:
        only = a["country"]
        label = {lang: ctx.label("transfer_mechanism", m, lang) for lang in ("en", "da", "nb")}
        return words(
            f"{m} covers {only} only",
            f"{label['en']} covers {only} only",
            f"{label['da']} dækker kun {only}",
            f"{label['nb']} dekker bare {only}",
        )
    if kind == "adequacy" and not a.get("country") and not adequate(country, ctx, today):
        return words(
            f"no adequacy decision for {country} in force on {today}",
            f"no adequacy decision for {country} in force on {today}",
            f"ingen tilstrækkelighedsafgørelse for {country} gældende {today}",
            f"ingen beslutning om tilstrekkelig beskyttelsesnivå for {country} gjeldende {today}",
        )
    if kind == "derogation" and not t.derogation:
        return words(
            "the Art. 49 derogation is not documented",
            "the Art. 49 derogation is not documented",
            "undtagelsen efter art. 49 er ikke dokumenteret",
            "unntaket etter art. 49 er ikke dokumentert",
        )
    if kind == "derogation" and a.get("art30_documentation_required") and not t.safeguards_documentation:
        return words(
            "the safeguards of the Art. 49(1) second-subparagraph transfer are not documented",
            "the safeguards of the Art. 49(1) second-subparagraph transfer are not documented",
            "garantierne for overførslen efter art. 49, stk. 1, andet afsnit, er ikke dokumenteret",
            "garantiene for overføringen etter art. 49 nr. 1 annet ledd er ikke dokumentert",
        )
    return None


# Art. 46(2)(c): SCCs need decision, module and, without adequacy, a TIA; high: validity cannot be shown.
@rule(
    "transfer.scc_incomplete",
    "high",
    "Art. 46(2)(c), 30(1)(e)",
    texts(
        "Transfer {transfer} relies on standard contractual clauses but does not record: {missing}.",
        "Overførslen {transfer} bygger på standardkontrakter, men angiver ikke: {missing}.",
        "Overføringen {transfer} bygger på standardklausuler, men angir ikke: {missing}.",
    ),
    texts(
        "Record the SCC decision (2021/914), the module and the transfer impact assessment reference.",
        "Angiv afgørelsen (2021/914), modulet og referencen til konsekvensanalysen for overførslen (TIA).",
        "Angi beslutningen (2021/914), modulen og referansen til vurderingen av overføringen (TIA).",
    ),
)
def scc_incomplete(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for t in entity.transfers:
        a = ctx.attrs("transfer_mechanism", t.mechanism)
        if not str(a.get("article", "")).startswith("46(2)(c)") or a.get("valid_to"):
            continue  # expired SCC sets are reported by transfer.invalid_mechanism
        missing = []
        if a.get("decision_required") and (t.scc is None or t.scc.decision is None):
            missing.append("decision")
        if t.scc is None or t.scc.module is None:
            missing.append("module")
        country = t.destination_country
        if t.tia_reference is None and not (country and adequate(country, ctx, ctx.today)):
            missing.append("tia_reference")
        if missing:
            yield hit("transfer", t.key, "scc", transfer=t.key, missing=fields(missing))


# Art. 44, 30(1)(e): a recipient in a third country receives a transfer, which needs a recorded basis; high:
# the transfer's basis is unknown.
@rule(
    "recipient.third_country_without_transfer",
    "high",
    "Art. 44, 30(1)(e)",
    texts(
        "Recipient {recipient} is in a third country ({country}), but no transfer to it is recorded.",
        "Modtageren {recipient} er i et tredjeland ({country}), men ingen overførsel til den er registreret.",
        "Mottakeren {recipient} er i et tredjeland ({country}), men ingen overføring til den er registrert.",
    ),
    texts(
        "Record the transfer to the recipient with its destination country and its Chapter V basis.",
        "Registrér overførslen til modtageren med modtagerland og grundlag efter kapitel V.",
        "Registrer overføringen til mottakeren med mottakerland og grunnlag etter kapittel V.",
    ),
)
def third_country_without_transfer(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    processors = {p.key: p for p in entity.processors}
    for r in entity.recipients:
        p = processors.get(r.processor) if r.processor else None
        places = [r.country] if r.country else (p.data_locations if p else [])
        # outside the EEA and the entity's own country: a UK entity's UK recipient is at home
        away = [c for c in places if abroad(entity, c)]
        if r.in_third_country is False or not (r.in_third_country or away):
            continue
        if not _transfer_covers(entity, r.key):
            yield hit("recipient", r.key, "transfers", recipient=r.key, country=away or NOT_STATED)


def _transfer_covers(entity: EntityIn, recipient: str) -> bool:
    """A transfer names the recipient, or an activity that discloses to it records one naming no one."""
    if any(t.recipient == recipient for t in entity.transfers):
        return True
    unnamed = {t.key for t in entity.transfers if t.recipient is None}
    return any(recipient in a.recipients and unnamed.intersection(a.transfers) for a in entity.activities)


RULES = [
    invalid_mechanism,
    no_destination,
    adequacy_destination_unnamed,
    no_safeguard,
    dpf_unverified,
    dpf_check_stale,
    scc_incomplete,
    third_country_without_transfer,
]
