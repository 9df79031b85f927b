"""One cell's text into a field of the activity being read (``Row``), or into the entity's shared
records (``Shared``: recipients, processors, transfers, retention rules, each made once by its text).

Free text goes to text fields; a cell naming vocabulary terms becomes terms where a label matches
(``terms.py``), and what does not match is kept as text in the activity's notes and reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ropa.porting.templates import terms
from ropa.porting.templates.spec import Template

URL = re.compile(r"^https?://\S+$")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
PHONE = re.compile(r"\+[1-9][0-9 ()-]{6,20}[0-9]")
YES = {"yes", "y", "x", "ja", "oui", "true", "✓"}
NO = {"no", "n", "nei", "nej", "non", "false", "none", "n/a", "-"}
SPECIAL = {
    "health", "racial_ethnic_origin", "political_opinions", "religious_beliefs", "trade_union_membership",
    "genetic", "biometric", "sex_life_orientation",
}  # fmt: skip
SHORT = 300  # ShortText and Name


def clip(text: str, limit: int = SHORT) -> str:
    first = text.strip().splitlines()[0].strip() if text.strip() else ""
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def yes_no(text: str) -> bool | None:
    word = text.strip().casefold().rstrip(".")
    return True if word in YES else False if word in NO else None


def contact(text: str) -> dict[str, Any]:
    """A name-and-contact-details cell: the first line (or what precedes a comma) is the name."""
    first = clip(re.split(r"[,\n]", text.strip(), maxsplit=1)[0])
    found: dict[str, Any] = {"name": first or clip(text)}
    if email := EMAIL.search(text):
        found["email"] = email.group(0)
    if phone := PHONE.search(text):
        found["phone"] = re.sub(r"[ ()-]", "", phone.group(0))
    return found


@dataclass
class Shared:
    """The entity's records that rows point at, one per distinct text."""

    template: Template
    recipients: dict[str, dict[str, Any]] = field(default_factory=dict)
    processors: dict[str, dict[str, Any]] = field(default_factory=dict)
    transfers: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    retention: dict[str, dict[str, Any]] = field(default_factory=dict)

    def recipient(self, name: str, kind: str, processor: str | None = None) -> str:
        if name not in self.recipients:
            record = {"key": f"R-{len(self.recipients) + 1:02d}", "name": clip(name), "kind": kind}
            if processor:
                record["processor"] = processor
            self.recipients[name] = record
        return str(self.recipients[name]["key"])

    def processor(self, name: str) -> str:
        if name not in self.processors:
            self.processors[name] = {"key": f"P-{len(self.processors) + 1:02d}", "name": clip(name)}
        key = str(self.processors[name]["key"])
        return self.recipient(name, "processor", key)

    def retention_rule(self, text: str) -> dict[str, Any]:
        if text not in self.retention:
            key = f"RET-{len(self.retention) + 1:02d}"
            self.retention[text] = {"key": key, "name": clip(text), "kind": "criterion", "criterion": text}
        return self.retention[text]


Report = Callable[[str, str], None]  # (value, reason)


@dataclass
class Row:
    """An activity as its cells are read; ``finish`` turns it into the activity's fields."""

    template: Template
    shared: Shared
    report: Report
    data: dict[str, Any] = field(default_factory=dict)
    purposes: list[str] = field(default_factory=list)
    bases: list[str] = field(default_factory=list)
    purpose_extra: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    countries: list[tuple[str, str | None]] = field(default_factory=list)
    safeguards: str | None = None
    mechanism: str = "unspecified"
    documentation: str | None = None
    policy: str | None = None
    served: list[dict[str, Any]] = field(default_factory=list)
    processing: list[str] = field(default_factory=list)
    # A cell kept in notes until the cell it depends on is read (a breach link before its answer, the
    # reasons for not adhering before the answer, or "No" before its reasons): slot -> (heading, text).
    held: dict[str, tuple[str, str]] = field(default_factory=dict)

    def note(self, heading: str, text: str) -> None:
        self.notes.append(f"{heading}: {text}")

    def unmatched(self, heading: str, item: str, vocabulary: str) -> None:
        self.report(
            item, f"no {vocabulary} term is labelled so ({self.template.language}); kept as text in notes"
        )
        self.note(heading, item)

    def add(self, name: str, heading: str, text: str) -> None:
        """Put one cell's text into the field ``name`` (a template's column map value)."""
        kind, _, arg = name.partition(":")
        handler = getattr(self, f"_{kind}")
        handler(heading, text, arg) if arg else handler(heading, text)

    def _key(self, heading: str, text: str) -> None:
        self.data["key"] = text.strip()

    def _name(self, heading: str, text: str) -> None:
        self.data["name"] = clip(text)

    def _purpose(self, heading: str, text: str) -> None:
        self.purposes.insert(0, text.strip())

    def _purpose_sub(self, heading: str, text: str) -> None:
        self.purposes.append(text.strip())

    def _business_function(self, heading: str, text: str) -> None:
        self._short("business_function", heading, text)

    def _system(self, heading: str, text: str) -> None:
        self._short("system", heading, text)

    def _short(self, attr: str, heading: str, text: str) -> None:
        if len(text.strip()) <= SHORT and "\n" not in text.strip():
            self.data[attr] = text.strip()
        else:
            self.report(text, f"longer than a {attr.replace('_', ' ')} may be; kept as text in notes")
            self.note(heading, text)

    def _notes(self, heading: str, text: str) -> None:
        self.note(heading, text)

    def _joint_controllers(self, heading: str, text: str) -> None:
        self.data.setdefault("joint_controllers", []).append({"controller": contact(text)})

    def _controller_served(self, heading: str, text: str) -> None:
        self.served.append({"controller": contact(text)})

    def _categories_of_processing(self, heading: str, text: str) -> None:
        self.processing.append(text.strip())

    def _data_subjects(self, heading: str, text: str) -> None:
        for item in terms.split_items(text):
            key = terms.term(self.template, "data_subject_category", item)
            if key is None:
                self.unmatched(heading, item, "data subject category")
            elif key not in self.data.setdefault("data_subjects", []):
                self.data["data_subjects"].append(key)

    def _data_categories(self, heading: str, text: str) -> None:
        for item in terms.split_items(text):
            key = terms.term(self.template, "data_category", item)
            if key is None:
                self.unmatched(heading, item, "data category")
            else:
                self._category(heading, "", key)

    def _category(self, heading: str, text: str, key: str) -> None:
        if yes_no(text) is False:
            return
        use: dict[str, Any] = {
            "category": key,
            "special": key in SPECIAL,
            "criminal": key == "criminal_offences",
        }
        if text.strip() and yes_no(text) is None:
            use["description"] = text.strip()
        uses = self.data.setdefault("data_categories", [])
        if all(u["category"] != key for u in uses):
            uses.append(use)

    def _measure(self, heading: str, text: str, key: str) -> None:
        if yes_no(text) is False:
            return
        security = self.data.setdefault("security", {})
        security.setdefault("measures", []).append(key)
        if yes_no(text) is None:
            self.note(heading, text)

    def _security(self, heading: str, text: str) -> None:
        security = self.data.setdefault("security", {})
        security["description"] = "\n".join(filter(None, [security.get("description"), text.strip()]))

    def _recipients(self, heading: str, text: str, default: str = "") -> None:
        for item in terms.split_items(text):
            kind = terms.term(self.template, "recipient_kind", item) or default
            if not kind:
                kind = "external_organisation"
                self.report(item, "names no recipient kind; recorded as an external organisation")
            self._link("recipients", self.shared.recipient(item, kind))

    def _recipients_internal(self, heading: str, text: str) -> None:
        self._recipients(heading, text, "internal")

    def _processors(self, heading: str, text: str) -> None:
        for item in terms.split_items(text):
            self._link("recipients", self.shared.processor(item))

    def _link(self, attr: str, key: str) -> None:
        if key not in self.data.setdefault(attr, []):
            self.data[attr].append(key)

    def _transfer_countries(self, heading: str, text: str) -> None:
        for item in terms.split_items(text):
            if yes_no(item) is False:
                continue
            code = terms.country(self.template, item)
            if code is None:
                self.report(item, "names no country ropa knows; kept as text in notes")
                self.note(heading, item)
            else:
                self.countries.append((item, code))

    def _transfer_safeguards(self, heading: str, text: str) -> None:
        self.safeguards = text.strip()
        found = [terms.term(self.template, "transfer_mechanism", i) for i in [text, *terms.split_items(text)]]
        key = next((k for k in found if k), None)
        if key is None:
            self.report(text, "names no transfer mechanism term; kept as the mechanism the register claims")
        else:
            self.mechanism = key

    def _transfer_documentation(self, heading: str, text: str) -> None:
        self._url(heading, text, "documentation")

    def _retention(self, heading: str, text: str) -> None:
        self._link("retention", self.shared.retention_rule(text.strip())["key"])

    def _retention_policy(self, heading: str, text: str) -> None:
        self._url(heading, text, "policy")

    def _dpia_link(self, heading: str, text: str) -> None:
        self._url(heading, text, "dpia")

    def _url(self, heading: str, text: str, slot: str) -> None:
        if not URL.match(text.strip()) or len(text.strip()) > 2000:
            self.report(text, "not an http(s) link; kept as text in notes")
            self.note(heading, text)
        elif slot == "dpia":
            self.data.setdefault("dpia", {})["link"] = text.strip()
        else:
            setattr(self, slot, text.strip())

    def _link_of(self, heading: str, text: str) -> str | None:
        """The cell's link; None if it says there is none ("N/A"), or reported and kept in notes."""
        if URL.match(text.strip()) and len(text.strip()) <= 2000:
            return text.strip()
        if yes_no(text) is False:
            return None
        self.report(text, "not an http(s) link; kept as text in notes")
        self.note(heading, text)
        return None

    def _hold(self, slot: str, heading: str, text: str) -> None:
        self.note(heading, text)
        self.held[slot] = (heading, text)

    def _release(self, slot: str) -> str | None:
        """A held cell's text, out of the notes again, or None if none is held."""
        if slot not in self.held:
            return None
        heading, text = self.held.pop(slot)
        self.notes.remove(f"{heading}: {text}")
        return text.strip()

    def _breach(self, heading: str, text: str) -> None:
        answer = yes_no(text)
        if answer is None:
            self.report(text, "not yes or no; kept as text in notes")
            self.note(heading, text)
            return
        self.data["personal_data_breach"] = {"occurred": answer}
        if answer and (link := self._release("breach_link")):
            self.data["personal_data_breach"]["record_link"] = link

    def _breach_link(self, heading: str, text: str) -> None:
        if (link := self._link_of(heading, text)) is None:
            return
        breach = self.data.get("personal_data_breach")
        if breach is None:
            self._hold("breach_link", heading, text)
        elif breach["occurred"]:
            breach["record_link"] = link
        else:
            self.report(
                text, "a breach record, but the row says no breach has occurred; kept as text in notes"
            )
            self.note(heading, text)

    def _appropriate_policy(self, heading: str, text: str) -> None:
        if link := self._link_of(heading, text):
            self.data["appropriate_policy_link"] = link

    def _adherence(self, heading: str, text: str) -> None:
        answer = yes_no(text)
        if answer is None:
            self.report(text, "not yes or no; kept as text in notes")
            self.note(heading, text)
        elif answer:
            self.data["retention_adherence"] = {"follows_policy": True}
        elif reasons := self._release("adherence_reasons"):
            self.data["retention_adherence"] = {"follows_policy": False, "reasons": reasons}
        else:  # "No" needs its reasons: kept in notes unless the reasons' cell follows
            self._hold("adherence", heading, text)

    def _adherence_reasons(self, heading: str, text: str) -> None:
        if yes_no(text) is False:  # "N/A", "None": no reasons
            return
        if self.data.get("retention_adherence"):  # only ever "Yes" here
            self.report(
                text, "reasons for not adhering, but the row says the policy is followed; kept in notes"
            )
            self.note(heading, text)
        elif self._release("adherence"):
            self.data["retention_adherence"] = {"follows_policy": False, "reasons": text.strip()}
        else:
            self._hold("adherence_reasons", heading, text)

    def _dpia_required(self, heading: str, text: str) -> None:
        answer = yes_no(text)
        if answer is None:
            self.report(text, "not yes or no; kept as text in notes")
            self.note(heading, text)
        else:
            self.data.setdefault("dpia", {})["required"] = answer

    def _automated_decision(self, heading: str, text: str) -> None:
        first = re.split(r"[\s,.;:-]+", text.strip(), maxsplit=1)
        answer = yes_no(first[0])
        if answer is None:
            self.report(text, "does not say yes or no; kept as text in notes")
            self.note(heading, text)
        else:
            rest = first[1].strip() if len(first) > 1 else ""
            self.data["automated_decision"] = {"exists": answer, **({"description": rest} if rest else {})}

    def _rights(self, heading: str, text: str) -> None:
        self.data.setdefault("rights_available", []).extend(clip(i) for i in terms.split_items(text))

    def _legal_bases(self, heading: str, text: str) -> None:
        for item in terms.split_items(text):
            key = terms.term(self.template, "legal_basis", item)
            if key is None:
                self.unmatched(heading, item, "legal basis")
            elif key not in self.bases:
                self.bases.append(key)

    def _special_condition(self, heading: str, text: str) -> None:
        key = terms.term(self.template, "special_condition", text)
        if key is None:
            self.unmatched(heading, text, "special category condition")
        else:
            self.purpose_extra["special_condition"] = key

    def _legitimate_interest(self, heading: str, text: str) -> None:
        self.purpose_extra["legitimate_interest"] = text.strip()

    def _lia_reference(self, heading: str, text: str) -> None:
        self._extra_short("lia_reference", heading, text)

    def _uk_schedule1(self, heading: str, text: str) -> None:
        self._extra_short("uk_schedule1_condition", heading, text)

    def _extra_short(self, attr: str, heading: str, text: str) -> None:
        if len(text.strip()) <= SHORT:
            self.purpose_extra[attr] = text.strip()
        else:
            self.note(heading, text)
