"""One entity's register, resolved for reading: references followed, terms and phrases in one language."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from exports.i18n import Texts
from ropa.activities.schemas import ActivityData, Purpose
from ropa.i18n.citations import cite, legal_act
from ropa.porting.schemas import EntityIn, ProcessorIn, RecipientIn, RetentionIn, TransferIn
from ropa.records.parts import Contact, SourceRef
from ropa.rules.model import as_date


def unique(values: Iterable[str]) -> list[str]:
    """Non-empty values, first occurrence kept, order kept."""
    return list(dict.fromkeys(filter(None, values)))


# The mechanisms of the reference data whose legal act is a decision adopting SCCs.
SCC_MECHANISMS = ("scc_2021", "scc_old")

R = TypeVar("R")
T = TypeVar("T")


def per_record(method: Callable[[View, R], T]) -> Callable[[View, R], T]:
    """A phrase that depends on one record (or key) alone: made once per record in a view.

    Activities share their processors, recipients, transfers and retention rules, so a register of
    many activities asks for the same few phrases over and over.
    """
    name = method.__name__

    @functools.wraps(method)
    def cached(self: View, record: R) -> T:
        memo = self._memo.setdefault(name, {})
        key = record if isinstance(record, str) else id(record)
        found = memo.get(key)
        if found is None:
            found = memo[key] = (record, method(self, record))  # the record kept: its id stays its own
        return found[1]

    return cached


@dataclass(slots=True)
class RecordTimes:
    created: dt.datetime | None = None
    updated: dt.datetime | None = None


@dataclass
class View:
    """Lookups over the live (not retired) records of one entity, and the phrases that describe them."""

    entity: EntityIn
    t: Texts
    times: dict[str, RecordTimes] = field(default_factory=dict)
    approvers: dict[str, str] = field(default_factory=dict)  # approved_by actor id -> user name

    def __post_init__(self) -> None:
        e = self.entity
        # The entity as the export shows it: its own text translated (``exports.localize.localized``,
        # which then sets ``entity`` back to the register as it is, for the file the export carries).
        self.shown = e
        self.activities = sorted(
            (a for a in e.activities if a.status != "retired"), key=lambda a: (a.key, a.id or "")
        )
        self.processors: dict[str, ProcessorIn] = {p.key: p for p in e.processors if not p.retired}
        self.recipients: dict[str, RecipientIn] = {r.key: r for r in e.recipients if not r.retired}
        self.transfers: dict[str, TransferIn] = {x.key: x for x in e.transfers if not x.retired}
        self.retention: dict[str, RetentionIn] = {r.key: r for r in e.retention_rules if not r.retired}
        self.documents = {d.key: d for d in e.documents}
        self._memo: dict[str, dict[Any, tuple[Any, Any]]] = {}

    # Who uses what
    def users_of(self, attr: str, key: str) -> list[str]:
        return [a.key for a in self.activities if key in getattr(a, attr)]

    def processors_of(self, activity: ActivityData) -> list[ProcessorIn]:
        """Processors the activity's recipients name, followed by their sub-processors."""
        found: dict[str, ProcessorIn] = {}

        def add(key: str | None) -> None:
            if key and key in self.processors and key not in found:
                found[key] = self.processors[key]
                for sub in self.processors[key].sub_processors:
                    add(sub)

        for ref in activity.recipients:
            recipient = self.recipients.get(ref)
            add(recipient.processor if recipient else None)
        return list(found.values())

    def recipients_using_processor(self, key: str) -> list[str]:
        return [r.key for r in self.recipients.values() if r.processor == key]

    # Phrases
    def purpose(self, purpose: Purpose) -> str:
        """The purpose as the source worded it when the export is in the source's language."""
        if purpose.original and purpose.language == self.t.lang:
            return purpose.original.rstrip(",; ")
        return purpose.description

    def contact(self, contact: Contact | None) -> str:
        if contact is None:
            return ""
        parts = [contact.name, contact.email or "", contact.phone or "", self.address(contact.address)]
        return ", ".join(p for p in parts if p)

    def address(self, address: object) -> str:
        if address is None:
            return ""
        street = getattr(address, "street", None)
        place = (getattr(address, "postal_code", None), getattr(address, "city", None))
        city = " ".join(p for p in place if p)
        return ", ".join(p for p in (street, city, self.t.country(getattr(address, "country", None))) if p)

    @per_record
    def recipient(self, key: str) -> str:
        r = self.recipients.get(key)
        if r is None:
            return key
        detail = unique([self.t.term("recipient_kind", r.kind), self.t.country(r.country)])
        return f"{r.name} ({', '.join(detail)})" if detail else r.name

    @per_record
    def processor(self, p: ProcessorIn) -> str:
        services = unique(self.t.term("service_kind", s) for s in p.service_kinds)
        return f"{p.name} ({', '.join(services)})" if services else p.name

    @per_record
    def contract(self, p: ProcessorIn) -> str:
        c = p.contract
        if c is None:
            return ""
        parts = [c.reference or "", c.link or "", self.t.date(c.signed_on)]
        return ", ".join(x for x in parts if x)

    @per_record
    def dpf(self, p: ProcessorIn) -> str:
        if p.dpf is None:
            return ""
        key = "dpf.certified" if p.dpf.certified else "dpf.not_certified"
        return self.t(key, date=self.t.date(p.dpf.checked_on) or "?")

    @per_record
    def destination(self, x: TransferIn) -> str:
        """The country or organisation; the region the record names when it names neither."""
        parts = (self.t.country(x.destination_country), x.international_organisation)
        named = ", ".join(p for p in parts if p)
        if named or not x.destination_region:
            return named
        return self.t.enum("stated.region", x.destination_region)

    def _adequacy(self, x: TransferIn) -> dict[str, Any] | None:
        """The adequacy decision (vocabulary ``country_adequacy``) covering the transfer's destination."""
        code = (x.destination_country or "").upper()
        term = self.t.term_data("country_adequacy", code.lower()) if code else None
        if term is None or str(term.attributes.get("country") or "").upper() != code:
            return None
        return term.attributes

    def _decision(self, number: str) -> str:
        """An SCC decision as the register records it ("2021/914"): the title of the reference data's
        act of that number, when there is one, else the number as written."""
        for key in SCC_MECHANISMS:
            term = self.t.term_data("transfer_mechanism", key)
            act = str(term.attributes.get("legal_act") or "") if term else ""
            if number.strip() and re.search(rf"\b{re.escape(number.strip())}\b", act) and " and " not in act:
                return act
        return number

    def legal_act(self, text: str) -> str:
        """A legal act of the reference data, titled in the export's language (``citations.legal_act``)."""
        return legal_act(text, self.t.lang, self.t.date)

    def cite(self, articles: str | None, bare: bool = False) -> str:
        """Articles in the national style of the export's language (``citations.cite``)."""
        return cite(articles, self.t.lang, bare)

    def registration(self) -> str:
        """The entity's registration number as the export's language writes it: "CVR-nr.: 29416982",
        "Organisasjonsnummer: 992 327 669" (a Norwegian organisation number in groups of three)."""
        reg = self.entity.registration
        if reg is None:
            return ""
        scheme = re.sub(r"[^a-z]", "", reg.scheme.lower())
        number = reg.number.strip()
        if scheme in ("orgnr", "organisasjonsnummer") and re.fullmatch(r"\d{9}", number.replace(" ", "")):
            digits = number.replace(" ", "")
            number = f"{digits[:3]} {digits[3:6]} {digits[6:]}"
        key = f"registration.{scheme}"
        if self.t.has(key):
            return self.t(key, number=number)
        return f"{reg.scheme}: {number}"

    def event(self, key: str | None) -> str:
        """A retention event (``cookie_set``): its ``retention_event`` term's label in the export's
        language; a key the vocabulary lacks is shown as written (the language check reports it)."""
        return self.t.term("retention_event", key) if key else ""

    @per_record
    def mechanism(self, x: TransferIn) -> dict[str, str]:
        """The mechanism's label, legal act, article and validity, from the dated reference data.

        "Valid" is never said of a transfer without an identified destination and instrument: a
        missing destination, SCC decision or adequacy decision for the destination makes it "not
        established", naming what is missing; a conditional transfer says so with its condition."""
        t = self.t
        term = t.term_data("transfer_mechanism", x.mechanism)
        attrs = term.attributes if term else {}
        legal_act = str(attrs.get("legal_act") or "")
        missing = []
        if term is None:
            missing.append("instrument")
        if not (x.destination_country or x.international_organisation):
            missing.append("destination")
        if attrs.get("decision_required") and not (x.scc and x.scc.decision):
            missing.append("scc_decision")
        if x.scc and x.scc.decision and not legal_act:
            legal_act = self._decision(x.scc.decision)
        if attrs.get("type") == "adequacy":
            country = str(attrs.get("country") or "").upper()
            if country:  # a decision for one country (the DPF): only for transfers to it
                if x.destination_country and x.destination_country.upper() != country:
                    missing.append("adequacy_decision")
            elif x.international_organisation and not x.destination_country:
                missing.append("adequacy_decision")
            elif x.destination_country:
                decision = self._adequacy(x)
                if decision is None:
                    missing.append("adequacy_decision")
                elif not legal_act:
                    legal_act = str(decision.get("legal_act") or "")
        valid_from = as_date(attrs.get("valid_from"))
        valid_to = as_date(attrs.get("valid_to"))
        status = str(attrs.get("status") or "")
        if status and status != "valid":
            status_text = t.enum("mechanism_status", status)
        elif missing:
            what = ", ".join(t(f"validity.missing.{m}") for m in dict.fromkeys(missing))
            status_text = t("validity.not_established", missing=what)
        elif x.conditional:
            status_text = ""
        else:
            status_text = t("mechanism_status.valid")
        if x.conditional:
            condition = t("validity.conditional", condition=x.description or t("validity.condition_missing"))
            status_text = "; ".join(p for p in (status_text, condition) if p)
        dates = " – ".join(p for p in (t.date(valid_from), t.date(valid_to)) if p)
        article = str(attrs.get("article") or "")
        return {
            "label": t.term("transfer_mechanism", x.mechanism),
            "legal_act": self.legal_act(legal_act),
            # Without its leading word: the PDF's template writes "art." before it.
            "article": self.cite(article, bare=True),
            "citation": self.cite(article),
            "valid_from": t.date(valid_from),
            "valid_to": t.date(valid_to),
            "status": status_text,
            "validity": ", ".join(p for p in (dates, status_text) if p),
        }

    @per_record
    def safeguard(self, x: TransferIn) -> str:
        m = self.mechanism(x)
        parts = [m["label"]]
        if m["legal_act"]:
            parts.append(m["legal_act"])
        if m["validity"]:
            parts.append(m["validity"])
        if x.derogation:
            parts.append(x.derogation)
        if x.safeguards_documentation:
            parts.append(x.safeguards_documentation)
        text = "; ".join(parts)
        dest = self.destination(x)
        return f"{dest}: {text}" if dest else text

    @per_record
    def time_limit(self, rule: RetentionIn) -> str:
        t = self.t
        duration = t.duration(rule.duration)
        # Events are keys of the retention_event vocabulary (account_deregistration_received).
        start = self.event(rule.start_event)
        trigger = self.event(rule.trigger_event)
        if rule.kind == "fixed" and duration:
            text = t("retention.from", duration=duration, event=start) if start else duration
        elif rule.kind == "event":
            if duration and trigger:
                text = t("retention.after", duration=duration, event=trigger)
            elif trigger:
                text = t("retention.until", event=trigger)
            else:
                text = duration or rule.criterion or ""
        elif rule.kind == "legal_hold":
            text = rule.legal_obligation or rule.criterion or duration
        else:
            text = rule.criterion or duration
        return text or t("retention.unspecified")

    def retention_by_category(self, activity: ActivityData) -> list[tuple[str, str]]:
        """(data category, time limit) for each category of the activity, then any rule on no category."""
        rules = [self.retention[k] for k in activity.retention if k in self.retention]
        rows: list[tuple[str, str]] = []
        covered: set[str] = set()
        for use in activity.data_categories:
            matching = [r for r in rules if use.category in r.data_categories]
            if not matching:
                matching = [r for r in rules if not r.data_categories]
            label = self.t.term("data_category", use.category)
            for rule in matching:
                rows.append((label, self.time_limit(rule)))
                covered.add(rule.key)
            if not matching:
                rows.append((label, self.t("retention.unspecified")))
        for rule in rules:
            if rule.key not in covered:
                rows.append((rule.name, self.time_limit(rule)))
        return rows

    def dpo(self) -> str:
        """The DPO's name, e-mail and phone, whichever are recorded (an e-mail alone is a DPO reached)."""
        d = self.entity.dpo
        if d is None:
            return ""
        text = ", ".join(x for x in (d.name, d.email, d.phone) if x)
        if text and d.kind:
            text += f" ({self.t.enum('dpo_kind', d.kind)})"
        return text

    def sourced_records(self) -> list[tuple[str, str, list[SourceRef]]]:
        """(kind, key, sources) of every live record but the activities that carries source quotes."""
        e = self.entity
        found = [("entity", e.key, list(e.sources))]
        for kind, records in (
            ("processor", self.processors.values()),
            ("recipient", self.recipients.values()),
            ("transfer", self.transfers.values()),
            ("retention_rule", self.retention.values()),
            ("cookie", [c for c in e.cookies if not c.retired]),
        ):
            found += [(kind, r.key, list(r.sources)) for r in records]
        return [f for f in found if f[2]]

    def source(self, ref: SourceRef) -> str:
        doc = self.documents.get(ref.document)
        return self.t("source.quote", document=doc.key if doc else ref.document, quote=ref.quote)
