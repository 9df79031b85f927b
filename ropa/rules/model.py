"""Findings, the evaluation context and the small machinery every rule is built from."""

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

import msgspec

from ropa.i18n import LANGUAGES
from ropa.porting.schemas import EntityIn
from ropa.vocabulary.schemas import TermData

Severity = Literal["high", "medium", "low", "info"]
SEVERITY_ORDER: dict[str, int] = {"high": 0, "medium": 1, "low": 2, "info": 3}
Texts = dict[str, str]


def texts(en: str, da: str, nb: str) -> Texts:
    """A rule's message or remediation in every language: a format string beside the check whose values
    fill it (see docs/architecture.md, "A language")."""
    return {"en": en, "da": da, "nb": nb}


class Finding(msgspec.Struct, frozen=True, kw_only=True):
    """One breach or gap, tied to the record (and field) it concerns, in English, Danish and Norwegian."""

    rule_id: str
    severity: Severity
    article: str
    entity_key: str
    record_kind: str
    record_key: str | None = None
    field: str | None = None
    message: Texts
    remediation: Texts
    details: dict[str, Any] = {}


class Context(msgspec.Struct, frozen=True, kw_only=True):
    """What a rule may know besides the entity: the vocabularies and the evaluation date.

    ``languages`` are those the findings' messages are written in (an export needs only its own).
    """

    terms: dict[tuple[str, str], TermData]
    today: dt.date
    languages: tuple[str, ...] = LANGUAGES

    @classmethod
    def build(
        cls, terms: Iterable[TermData], today: dt.date, languages: tuple[str, ...] = LANGUAGES
    ) -> "Context":
        return cls(terms={(t.vocabulary, t.key): t for t in terms}, today=today, languages=languages)

    def attrs(self, vocabulary: str, key: str) -> dict[str, Any]:
        term = self.terms.get((vocabulary, key))
        return term.attributes if term else {}

    def vocabulary(self, vocabulary: str) -> list[TermData]:
        return [t for (v, _), t in self.terms.items() if v == vocabulary]

    def label(self, vocabulary: str, key: str, lang: str) -> str:
        """A term's label in ``lang``; an unknown key is shown as it is, never dropped."""
        term = self.terms.get((vocabulary, key))
        return str(getattr(term.labels, lang)) if term else key


def as_date(value: Any) -> dt.date | None:
    """A date attribute of reference data: ISO string or date (YAML may give either), else None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        return dt.date.fromisoformat(value)
    return None


@dataclass(frozen=True)
class Term:
    """A vocabulary key in a message: shown as its label in the message's language, kept as the key."""

    vocabulary: str
    key: str


@dataclass(frozen=True)
class Words:
    """A value worded per language (a field, a role, a reason); the finding's details keep ``raw``."""

    raw: Any
    texts: Texts


def words(raw: Any, en: str, da: str, nb: str) -> Words:
    return Words(raw, texts(en, da, nb))


class Hit(NamedTuple):
    """What a check reports: the record, the field, and the values its message is formatted with."""

    record_kind: str
    record_key: str | None
    field: str | None
    params: dict[str, Any]


def hit(record_kind: str, record_key: str | None, field: str | None = None, /, **params: Any) -> Hit:
    return Hit(record_kind, record_key, field, params)


EntityCheck = Callable[[EntityIn, Context], Iterator[Hit]]
GroupCheck = Callable[[list[EntityIn], Context], Iterator[tuple[str, Hit]]]


@dataclass(frozen=True)
class RuleInfo:
    id: str
    severity: Severity
    article: str
    message: Texts
    remediation: Texts

    def finding(self, entity_key: str, h: Hit, ctx: Context) -> Finding:
        message, remediation = {}, {}
        for lang in ctx.languages:
            values = {k: _show(v, lang, ctx) for k, v in h.params.items()}
            message[lang] = self.message[lang].format(**values)
            remediation[lang] = self.remediation[lang].format(**values)
        return Finding(
            rule_id=self.id,
            severity=self.severity,
            article=self.article,
            entity_key=entity_key,
            record_kind=h.record_kind,
            record_key=h.record_key,
            field=h.field,
            message=message,
            remediation=remediation,
            details={k: _raw(v) for k, v in h.params.items()},
        )


@dataclass(frozen=True)
class Rule(RuleInfo):
    """A rule over one entity: ``rule(entity, ctx) -> list[Finding]``."""

    check: EntityCheck

    def __call__(self, entity: EntityIn, ctx: Context) -> list[Finding]:
        return [self.finding(entity.key, h, ctx) for h in self.check(entity, ctx)]


@dataclass(frozen=True)
class GroupRule(RuleInfo):
    """A rule over the entities of one group: ``rule(entities, ctx) -> list[Finding]``."""

    check: GroupCheck

    def __call__(self, entities: list[EntityIn], ctx: Context) -> list[Finding]:
        return [self.finding(key, h, ctx) for key, h in self.check(entities, ctx)]


def rule(
    id: str, severity: Severity, article: str, message: Texts, remediation: Texts
) -> Callable[[EntityCheck], Rule]:
    def wrap(check: EntityCheck) -> Rule:
        return Rule(id, severity, article, message, remediation, check)

    return wrap


def group_rule(
    id: str, severity: Severity, article: str, message: Texts, remediation: Texts
) -> Callable[[GroupCheck], GroupRule]:
    def wrap(check: GroupCheck) -> GroupRule:
        return GroupRule(id, severity, article, message, remediation, check)

    return wrap


def _show(value: Any, lang: str, ctx: Context) -> str:
    """A value as a message in ``lang`` shows it: vocabulary keys as labels, worded values in ``lang``."""
    if isinstance(value, Term):
        return _inline(ctx.label(value.vocabulary, value.key, lang))
    if isinstance(value, Words):
        return value.texts[lang]
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(_show(v, lang, ctx) for v in value)
    return str(value)


def _inline(label: str) -> str:
    """A label (written to head a list) inside a sentence: "E-mail address" -> "e-mail address", while
    abbreviations and names keep their capitals ("IP address", "EU-U.S. Privacy Shield")."""
    if len(label) > 1 and label[0].isupper() and not label[1].isupper():
        return label[0].lower() + label[1:]
    return label


def _raw(value: Any) -> Any:
    """A value as the finding's details keep it: keys and raw values, for machines."""
    if isinstance(value, Term):
        return value.key
    if isinstance(value, Words):
        return _raw(value.raw)
    if isinstance(value, list | tuple | set | frozenset):
        return [_raw(v) for v in value]
    return value
