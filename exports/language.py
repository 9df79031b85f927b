"""Free text that does not read as the export's language: a small heuristic, for the export check.

An export words every label, heading and vocabulary term in its language, but the register's free
text (an activity's name and description, purposes, descriptions, criteria) is shown as it was
written. A Danish export of a register written in English is therefore half in English. The export
check warns of it, field by field, so the text can be translated before the export is sent; a field
with a translation into the export's language (``exports.localize``) is shown translated and not checked.

How: the text's words are compared with short lists of frequent function words ("stopwords") of
English, Danish, Norwegian (bokmål) and French. Danish and Norwegian share most of theirs, so only the
words that tell them apart count for either (af/av, efter/etter, nogle/noen, ud/ut, bliver/blir...);
the words they share count for both. A text is reported when it has at least ``MIN_HITS`` stopwords
of one language and at least twice as many of that language as of the export's. Short texts (names,
"Google Analytics") have too few stopwords to judge and are never reported. It is a hint, not a
language identifier: a mixed text or a list of nouns may escape it, and a quotation may trigger it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from exports.document import field_label
from exports.localize import translated
from exports.view import View

_SCANDINAVIAN = {
    "og", "i", "til", "for", "med", "som", "det", "den", "der", "er", "på", "ikke", "en", "et", "de",
    "kan", "skal", "vil", "eller", "når", "hvis", "også", "fra", "om", "ved", "har", "være", "vi",
    "dine", "din", "ditt", "samt", "dette", "disse", "andre", "hvor", "så", "man", "sine", "sin",
}  # fmt: skip
STOPWORDS: dict[str, set[str]] = {
    "en": {
        "the", "and", "of", "to", "in", "for", "with", "is", "are", "on", "by", "be", "this", "that",
        "from", "or", "as", "an", "at", "we", "our", "your", "it", "not", "which", "their", "when",
        "where", "may", "will", "has", "have", "was", "were", "been", "its", "any", "each", "other",
        "such", "only", "also", "there", "these", "those", "who", "after", "until", "into",
    },
    "da": _SCANDINAVIAN | {
        "af", "efter", "nogle", "ud", "mod", "bliver", "blevet", "jeg", "mig", "dig", "sig", "vores",
        "jer", "hvad", "hvordan", "sådan", "gennem", "igennem", "mellem", "under", "dem", "deres",
        "nødvendigt", "oplysninger", "personoplysninger", "behandling", "formål", "hvilke",
    },
    "nb": _SCANDINAVIAN | {
        "av", "etter", "noen", "ut", "mot", "blir", "blitt", "meg", "deg", "seg", "vår", "våre", "vårt",
        "dere", "hva", "hvordan", "slik", "gjennom", "mellom", "dem", "deres", "å", "nødvendig",
        "opplysninger", "personopplysninger", "behandlingen", "formål", "hvilke", "ikkje",
    },
    "fr": {
        "le", "la", "les", "des", "du", "de", "et", "à", "au", "aux", "en", "un", "une", "pour", "par",
        "dans", "sur", "est", "sont", "qui", "que", "nous", "vous", "vos", "notre", "nos", "ce", "cette",
        "ces", "avec", "ou", "pas", "plus", "être", "leur", "leurs", "données", "traitement",
    },
}  # fmt: skip
MIN_HITS = 2
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def guess(text: str, lang: str) -> str | None:
    """The language ``text`` reads as, when it is clearly not ``lang``; ``None`` otherwise."""
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < MIN_HITS:
        return None
    hits = {code: sum(w in stop for w in words) for code, stop in STOPWORDS.items()}
    best = max(hits, key=lambda code: hits[code])
    if best == lang or hits[best] < MIN_HITS or hits[best] < 2 * max(hits.get(lang, 0), 1):
        return None
    return best


@dataclass(frozen=True, slots=True)
class Notice:
    """One warning of the export check: a record's field and what is wrong with its text."""

    record: str  # the kind: activity, processor, ...
    key: str
    field: str
    found: str | None = None  # the language the text reads as (language warnings)
    value: str | None = None  # the key without a label (unlabelled vocabulary keys)
    vocabulary: str | None = None
    english: bool = False  # a term shown by its English label, having none in the export's language

    def text(self, view: View) -> str:
        t = view.t
        record, field = t.enum("kind", self.record), field_label(t, self.field)
        if self.english:
            label = t.term(self.vocabulary or "", self.value or "")
            return t(
                "language.no_label",
                record=record,
                ref=self.key,
                field=field,
                value=label,
                language=t(f"language.{t.lang}"),
                vocabulary=self.vocabulary or "",
            )
        if self.found is not None:
            return t(
                "language.warning",
                record=record,
                ref=self.key,
                field=field,
                language=t(f"language.{t.lang}"),
                found=t(f"language.{self.found}"),
            )
        return t(
            "language.unlabelled",
            record=record,
            ref=self.key,
            field=field,
            value=self.value or "",
            vocabulary=self.vocabulary or "",
        )


def _texts(view: View) -> Iterator[tuple[str, str, str, str | None]]:
    """(record kind, key, field, text) of the free text an export shows, as written: a field shown
    in its translation into the export's language (``exports.localize``) is left out."""
    lang = view.t.lang

    def written(part: object, field: str) -> str | None:
        return None if translated(part, lang, field) else getattr(part, field)

    e = view.entity
    yield "entity", e.key, "security_statement", written(e, "security_statement")
    if e.dpo_decision is not None:
        yield "entity", e.key, "dpo_decision", written(e.dpo_decision, "reason")
    if e.supervisory_authority is not None:
        yield "entity", e.key, "supervisory_authority", written(e.supervisory_authority, "remit")
    for other in e.other_authorities:
        yield "entity", e.key, "other_authorities", written(other, "remit")
    for a in view.activities:
        yield "activity", a.key, "name", written(a, "name")
        yield "activity", a.key, "description", written(a, "description")
        for p in a.purposes:
            yield (
                "activity",
                a.key,
                "purposes",
                None if translated(p, lang, "description") else view.purpose(p),
            )
            yield "activity", a.key, "legitimate_interests", written(p, "legitimate_interest")
        for s in a.data_sources:
            yield "activity", a.key, "data_sources", written(s, "description")
        if a.security is not None:
            yield "activity", a.key, "security", written(a.security, "description")
    for processor in view.processors.values():
        yield "processor", processor.key, "description", written(processor, "description")
    for x in view.transfers.values():
        yield "transfer", x.key, "description", written(x, "description")
        yield "transfer", x.key, "safeguards_documentation", x.safeguards_documentation
    for r in view.retention.values():
        yield "retention_rule", r.key, "name", written(r, "name")
        yield "retention_rule", r.key, "criterion", written(r, "criterion")
        yield "retention_rule", r.key, "legal_obligation", written(r, "legal_obligation")
    for c in view.entity.cookies:
        if not c.retired:
            yield "cookie", c.key, "purpose", c.purpose
    for a in view.activities:
        if a.consent is not None:  # printed beside each cookie the activity's consent covers
            yield "activity", a.key, "consent", a.consent.mechanism


def _unlabelled(view: View) -> Iterator[Notice]:
    for r in view.retention.values():
        for name, event in (("start_event", r.start_event), ("trigger_event", r.trigger_event)):
            if event and view.t.term_data("retention_event", event) is None:
                yield Notice("retention_rule", r.key, name, value=event, vocabulary="retention_event")


def _terms(view: View) -> Iterator[tuple[str, str, str, str, str]]:
    """(record kind, key, field, vocabulary, term key) of every vocabulary term an export shows."""
    for a in view.activities:
        for p in a.purposes:
            yield from (("activity", a.key, "legal_bases", "legal_basis", b) for b in p.legal_bases)
            if p.special_condition:
                yield "activity", a.key, "special_conditions", "special_condition", p.special_condition
        yield from (("activity", a.key, "data_subjects", "data_subject_category", s) for s in a.data_subjects)
        yield from (
            ("activity", a.key, "data_categories", "data_category", d.category) for d in a.data_categories
        )
        if a.security is not None:
            yield from (("activity", a.key, "security", "security_measure", m) for m in a.security.measures)
    for processor in view.processors.values():
        kinds = processor.service_kinds
        yield from (("processor", processor.key, "service_kinds", "service_kind", k) for k in kinds)
    for recipient in view.recipients.values():
        yield "recipient", recipient.key, "kind", "recipient_kind", recipient.kind
    for x in view.transfers.values():
        yield "transfer", x.key, "mechanism", "transfer_mechanism", x.mechanism
    for r in view.retention.values():
        for name, event in (("start_event", r.start_event), ("trigger_event", r.trigger_event)):
            if event:
                yield "retention_rule", r.key, name, "retention_event", event


def _without_label(view: View) -> Iterator[Notice]:
    """Terms the register knows that have no label in the export's language (a custom term without a
    French one): the export shows their English label, so the check says so, once per record field."""
    t, seen = view.t, set()
    for record, key, field, vocabulary, term in _terms(view):
        if (
            (record, key, field, term) in seen
            or t.term_data(vocabulary, term) is None
            or t.labelled(vocabulary, term)
        ):
            continue
        seen.add((record, key, field, term))
        yield Notice(record, key, field, value=term, vocabulary=vocabulary, english=True)


def notices(view: View) -> list[Notice]:
    """The export check's warnings for ``view``'s language: free text that reads as another language,
    vocabulary keys the export can only show as written, and terms without a label in the language."""
    found: list[Notice] = []
    seen: set[tuple[str, str, str]] = set()
    for record, key, name, text in _texts(view):
        if not text or (record, key, name) in seen:
            continue
        other = guess(text, view.t.lang)
        if other is not None:
            seen.add((record, key, name))
            found.append(Notice(record, key, name, found=other))
    found += _unlabelled(view)
    found += _without_label(view)
    return found
