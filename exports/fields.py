"""The catalogue of activity fields a layout can place: each reads one element of a processing activity.

A field returns a list of values (text or dates); an empty list means the register holds nothing
for it, which the completeness check reports when a layout requires the field. Labels are in
ropa/i18n/fields.yaml under ``field.<id>``; a layout may override them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from exports import stated
from exports.view import View, unique
from ropa.porting.schemas import ActivityIn

Value = str | dt.date
Getter = Callable[[ActivityIn, View], list[Value]]


@dataclass(frozen=True)
class Field:
    id: str
    article: str
    get: Getter
    vocabulary: str | None = None  # values are labels of this vocabulary (validation lists in Excel)
    # Internal material (analysts' notes): shown only when the export includes it (``Include``).
    internal: str | None = None


def _text(*values: str | None) -> list[Value]:
    return [v for v in values if v]


def _purposes(a: ActivityIn, v: View) -> list[Value]:
    return list(unique(v.purpose(p) for p in a.purposes))


def _legal_bases(a: ActivityIn, v: View) -> list[Value]:
    return list(unique(v.t.term("legal_basis", b) for p in a.purposes for b in p.legal_bases))


def _legal_basis_notes(a: ActivityIn, v: View) -> list[Value]:
    return list(unique(p.legal_basis_note or "" for p in a.purposes))


def _special_conditions(a: ActivityIn, v: View) -> list[Value]:
    values = [v.t.term("special_condition", p.special_condition) for p in a.purposes if p.special_condition]
    values += [p.criminal_data_basis for p in a.purposes if p.criminal_data_basis]
    return list(unique(values))


def _legitimate_interests(a: ActivityIn, v: View) -> list[Value]:
    return list(unique(p.legitimate_interest or "" for p in a.purposes))


def _lia(a: ActivityIn, v: View) -> list[Value]:
    return list(
        unique(
            ", ".join(x for x in (p.lia_reference, v.t.date(p.lia_date)) if x)
            for p in a.purposes
            if p.lia_reference or p.lia_date
        )
    )


def _data_subjects(a: ActivityIn, v: View) -> list[Value]:
    return list(unique(v.t.term("data_subject_category", s) for s in a.data_subjects))


def _data_categories(a: ActivityIn, v: View) -> list[Value]:
    return list(unique(v.t.term("data_category", d.category) for d in a.data_categories))


def _special_data(a: ActivityIn, v: View) -> list[Value]:
    special = [v.t.term("data_category", d.category) for d in a.data_categories if d.special or d.criminal]
    return list(unique(special)) if special else ([v.t("no")] if a.data_categories else [])


def _data_sources(a: ActivityIn, v: View) -> list[Value]:
    return [f"{v.t.enum('source_kind', s.kind)}: {s.description}" for s in a.data_sources]


def _recipients(a: ActivityIn, v: View) -> list[Value]:
    return list(unique(v.recipient(r) for r in a.recipients))


def _processors(a: ActivityIn, v: View) -> list[Value]:
    return [v.processor(p) for p in v.processors_of(a)]


def _processor_contracts(a: ActivityIn, v: View) -> list[Value]:
    return [f"{p.name}: {v.contract(p)}" for p in v.processors_of(a) if v.contract(p)]


def _data_locations(a: ActivityIn, v: View) -> list[Value]:
    countries = [c for p in v.processors_of(a) for c in p.data_locations or [p.country or ""]]
    return list(unique(v.t.country(c) for c in countries))


def _stated_none(a: ActivityIn, v: View, field: str) -> list[Value]:
    """ "None", where an empty list is what the register states (a source quoted for ``field``);
    otherwise nothing, which the export shows as "not recorded"."""
    stated = any(s.field == field for s in a.sources)
    return [v.t(f"none.{field}")] if stated else []


def _transfer_countries(a: ActivityIn, v: View) -> list[Value]:
    if not a.transfers:
        return _stated_none(a, v, "transfers")
    return list(
        unique(v.destination(v.transfers[k]) or v.t("not_recorded") for k in a.transfers if k in v.transfers)
    )


def _transfer_safeguards(a: ActivityIn, v: View) -> list[Value]:
    if not a.transfers:
        return _stated_none(a, v, "transfers")
    return list(unique(v.safeguard(v.transfers[k]) for k in a.transfers if k in v.transfers))


def _retention(a: ActivityIn, v: View) -> list[Value]:
    return [f"{category}: {limit}" for category, limit in v.retention_by_category(a)]


def _retention_policy(a: ActivityIn, v: View) -> list[Value]:
    return list(unique(v.retention[k].policy_link or "" for k in a.retention if k in v.retention))


def _security(a: ActivityIn, v: View) -> list[Value]:
    if a.security is None:
        return []
    return _text(a.security.description) + [v.t.term("security_measure", m) for m in a.security.measures]


def _security_measures(a: ActivityIn, v: View) -> list[Value]:
    return [v.t.term("security_measure", m) for m in a.security.measures] if a.security else []


def _joint_controllers(a: ActivityIn, v: View) -> list[Value]:
    return [
        ", ".join(x for x in (v.contact(j.controller), j.arrangement_ref) if x) for j in a.joint_controllers
    ]


def _controllers_served(a: ActivityIn, v: View) -> list[Value]:
    return [v.contact(c.controller) for c in a.controllers_served]


def _categories_of_processing(a: ActivityIn, v: View) -> list[Value]:
    return list(unique(x for c in a.controllers_served for x in c.categories_of_processing))


def _rights(a: ActivityIn, v: View) -> list[Value]:
    return [v.t.enum("right", r) for r in a.rights_available]


def _automated(a: ActivityIn, v: View) -> list[Value]:
    d = a.automated_decision
    if d is None:
        return []
    return _text(v.t.yes_no(d.exists), d.description)


def _consent(a: ActivityIn, v: View) -> list[Value]:
    c = a.consent
    return _text(c.mechanism, c.record_link, c.withdraw_method) if c else []


def _dpia_required(a: ActivityIn, v: View) -> list[Value]:
    return _text(v.t.yes_no(a.dpia.required)) if a.dpia else []


def _dpia_status(a: ActivityIn, v: View) -> list[Value]:
    return _text(v.t.enum("dpia_status", a.dpia.status)) if a.dpia else []


def _dpia_link(a: ActivityIn, v: View) -> list[Value]:
    if a.dpia is None:
        return []
    return [x for x in (a.dpia.link, a.dpia.date) if x]


def _national_bases(a: ActivityIn, v: View) -> list[Value]:
    return list(stated.national_bases(v, a.purposes))


def _schedule1(a: ActivityIn, v: View) -> list[Value]:
    return list(unique(p.uk_schedule1_condition or "" for p in a.purposes))


def _national_basis(a: ActivityIn, v: View) -> list[Value]:
    return list(unique(stated.category_basis(v, u) for u in a.data_categories))


def _mechanism_claimed(a: ActivityIn, v: View) -> list[Value]:
    return list(unique(v.transfers[k].mechanism_claimed or "" for k in a.transfers if k in v.transfers))


def _date_list(value: dt.date | dt.datetime | None) -> list[Value]:
    if value is None:
        return []
    return [value.date() if isinstance(value, dt.datetime) else value]


def _created(a: ActivityIn, v: View) -> list[Value]:
    times = v.times.get(a.id or "")
    return _date_list(times.created if times else None)


def _updated(a: ActivityIn, v: View) -> list[Value]:
    times = v.times.get(a.id or "")
    return _date_list(times.updated if times else None)


def _approved_by(a: ActivityIn, v: View) -> list[Value]:
    """The second person who approved the activity (four eyes), by user name."""
    return _text(v.approvers.get(a.approved_by, a.approved_by) if a.approved_by else None)


def _sources(a: ActivityIn, v: View) -> list[Value]:
    refs = list(a.sources) + [s for p in a.purposes for s in p.sources]
    return list(unique(v.source(s) for s in refs))


def _f(
    id: str, article: str, get: Getter, vocabulary: str | None = None, internal: str | None = None
) -> tuple[str, Field]:
    return id, Field(id, article, get, vocabulary, internal)


FIELDS: dict[str, Field] = dict(
    [
        _f("key", "", lambda a, v: [a.key]),
        _f("name", "30(1)(b)", lambda a, v: [a.name]),
        _f("description", "", lambda a, v: _text(a.description)),
        _f("business_function", "", lambda a, v: _text(a.business_function)),
        _f("system", "", lambda a, v: _text(a.system)),
        _f("role", "30(1), 30(2)", lambda a, v: [v.t.enum("role", a.role)]),
        _f("status", "", lambda a, v: [v.t.enum("status", a.status)]),
        _f("purposes", "30(1)(b)", _purposes),
        _f("legal_bases", "6(1)", _legal_bases, "legal_basis"),
        _f("legal_basis_notes", "6(1)", _legal_basis_notes, internal="notes"),
        _f("special_conditions", "9(2), 10", _special_conditions, "special_condition"),
        _f("legitimate_interests", "6(1)(f)", _legitimate_interests),
        _f("lia", "6(1)(f)", _lia),
        _f("data_subjects", "30(1)(c)", _data_subjects, "data_subject_category"),
        _f("data_categories", "30(1)(c)", _data_categories, "data_category"),
        _f("special_data", "9(1), 10, 30(5)", _special_data),
        _f("data_sources", "14(2)(f)", _data_sources),
        _f("recipients", "30(1)(d)", _recipients),
        _f("processors", "28", _processors),
        _f("processor_contracts", "28(3)", _processor_contracts),
        _f("data_locations", "", _data_locations),
        _f("transfer_countries", "30(1)(e), 30(2)(c)", _transfer_countries),
        _f("transfer_safeguards", "30(1)(e), 30(2)(c), 46, 49", _transfer_safeguards),
        _f("retention", "30(1)(f)", _retention),
        _f("retention_policy", "30(1)(f)", _retention_policy),
        _f("security", "30(1)(g), 30(2)(d), 32(1)", _security),
        _f("security_measures", "30(1)(g), 30(2)(d), 32(1)", _security_measures, "security_measure"),
        _f("joint_controllers", "30(1)(a), 26", _joint_controllers),
        _f("controllers_served", "30(2)(a)", _controllers_served),
        _f("categories_of_processing", "30(2)(b)", _categories_of_processing),
        _f("rights", "12-22", _rights),
        _f("automated_decision", "22", _automated),
        _f("consent", "7(1)", _consent),
        _f("consent_form", "4(11), 7", lambda a, v: _text(stated.consent_form(v, a))),
        _f("national_bases", "6(3)", _national_bases),
        _f("uk_schedule1_condition", "9(2)", _schedule1),
        _f("national_basis", "87", _national_basis),
        _f("mechanism_claimed", "44", _mechanism_claimed),
        _f("rights_stated", "12-22", lambda a, v: list(stated.rights(v, a))),
        _f("exclusions", "", lambda a, v: list(stated.exclusions(v, a))),
        _f("anonymity_claim", "4(1)", lambda a, v: _text(stated.anonymity(v, a))),
        _f(
            "data_categories_non_exhaustive",
            "30(1)(c)",
            lambda a, v: _text(v.t.yes_no(a.data_categories_non_exhaustive)),
        ),
        _f("dpia_required", "35", _dpia_required),
        _f("dpia_status", "35", _dpia_status),
        _f("dpia_link", "35", _dpia_link),
        _f("occasional", "30(5)", lambda a, v: _text(v.t.yes_no(a.occasional))),
        _f("created", "", _created),
        _f("updated", "", _updated),
        _f("last_reviewed", "24(1)", lambda a, v: _date_list(a.last_reviewed_at)),
        _f("reviewed_by", "24(1)", lambda a, v: _text(a.reviewed_by)),
        _f("approved_at", "24(1)", lambda a, v: _date_list(a.approved_at)),
        _f("approved_by", "24(1)", _approved_by),
        _f("next_review_due", "24(1)", lambda a, v: _date_list(a.next_review_due)),
        _f("notes", "", lambda a, v: _text(a.notes), internal="notes"),
        _f("sources", "5(2)", _sources),
    ]
)

# The national authorities' fields, in a module of their own (it imports Field from here, hence last).
from exports.fields_cnil import CNIL_FIELDS  # noqa: E402
from exports.fields_national import NATIONAL_FIELDS  # noqa: E402

FIELDS.update(NATIONAL_FIELDS)
FIELDS.update(CNIL_FIELDS)
