"""Fields the national authorities' templates ask for beyond Art. 30: the ICO's breach, Schedule 1 policy
and retention-adherence columns, and the Danish Datatilsynet's CPR numbers, criminal-offence data apart
from special categories, and the categories of data and data subjects disclosed to each recipient.

Registered into ``exports.fields.FIELDS``; labels are ``field.<id>`` in ropa/i18n/fields.yaml.
"""

from __future__ import annotations

from exports.fields import Field, Value
from exports.view import View, unique
from ropa.activities.schemas import DataCategoryUse
from ropa.porting.schemas import ActivityIn


def _term_flag(v: View, use: DataCategoryUse, attribute: str) -> bool:
    term = v.t.term_data("data_category", use.category)
    return bool(term and term.attributes.get(attribute))


def _labelled(v: View, uses: list[DataCategoryUse]) -> list[str]:
    """Each category's label, with the provision of national law the record cites for it, if any."""
    return [
        f"{v.t.term('data_category', u.category)} ({u.national_basis})"
        if u.national_basis
        else v.t.term("data_category", u.category)
        for u in uses
    ]


def or_no(a: ActivityIn, v: View, found: list[str]) -> list[Value]:
    """``found``, or "No" where the activity lists its categories and none is of the kind (an absence
    the record states), or nothing ("not recorded") where it lists none or lists them only as examples
    (``data_categories_non_exhaustive``: a kind left out of the examples may still be processed)."""
    if found:
        return list(unique(found))
    return [v.t("no")] if a.data_categories and not a.data_categories_non_exhaustive else []


def _cpr_numbers(a: ActivityIn, v: View) -> list[Value]:
    # Art. 87; databeskyttelsesloven § 11 (DK), personopplysningsloven § 12 (NO).
    return or_no(a, v, _labelled(v, [u for u in a.data_categories if _term_flag(v, u, "national_id")]))


def _special_categories(a: ActivityIn, v: View) -> list[Value]:
    # Art. 9(1) alone: the criminal-offence data of Art. 10 are a column of their own.
    uses = [
        u for u in a.data_categories if (u.special or _term_flag(v, u, "special")) and not _criminal(v, u)
    ]
    return or_no(a, v, _labelled(v, uses))


def _criminal(v: View, use: DataCategoryUse) -> bool:
    return use.criminal or _term_flag(v, use, "art10")


def _criminal_data(a: ActivityIn, v: View) -> list[Value]:
    # Art. 10; databeskyttelsesloven § 8 (DK): the categories, then the bases the purposes state for them.
    found = _labelled(v, [u for u in a.data_categories if _criminal(v, u)])
    if found:
        found += [p.criminal_data_basis for p in a.purposes if p.criminal_data_basis]
    return or_no(a, v, found)


def _recipient_disclosures(a: ActivityIn, v: View) -> list[Value]:
    """Per recipient of the activity: the categories of data and of data subjects disclosed to it, each
    "not recorded" (in the export's language) where the register does not say."""
    stated = {d.recipient: d for d in a.recipient_disclosures}
    none = v.t("not_recorded")
    lines: list[Value] = []
    for key in unique(a.recipients):
        d = stated.get(key)
        categories = unique(v.t.term("data_category", c) for c in d.data_categories) if d else []
        subjects = unique(v.t.term("data_subject_category", s) for s in d.data_subjects) if d else []
        lines.append(
            v.t(
                "disclosure.line",
                recipient=v.recipient(key),
                categories=", ".join(categories) or none,
                subjects=", ".join(subjects) or none,
            )
        )
    return lines


def _breach(a: ActivityIn, v: View) -> list[Value]:
    b = a.personal_data_breach
    return [v.t.yes_no(b.occurred)] if b else []


def _breach_record(a: ActivityIn, v: View) -> list[Value]:
    b = a.personal_data_breach
    return [b.record_link] if b and b.record_link else []


def _appropriate_policy(a: ActivityIn, v: View) -> list[Value]:
    return [a.appropriate_policy_link] if a.appropriate_policy_link else []


def _retention_adherence(a: ActivityIn, v: View) -> list[Value]:
    r = a.retention_adherence
    return [v.t.yes_no(r.follows_policy)] if r else []


def _retention_adherence_reasons(a: ActivityIn, v: View) -> list[Value]:
    r = a.retention_adherence
    return [r.reasons] if r and r.reasons else []


NATIONAL_FIELDS: dict[str, Field] = {
    f.id: f
    for f in (
        Field("cpr_numbers", "87", _cpr_numbers),
        Field("special_categories", "9(1)", _special_categories),
        Field("criminal_data", "10", _criminal_data),
        Field("recipient_disclosures", "30(1)(c), 30(1)(d)", _recipient_disclosures),
        Field("personal_data_breach", "33(5)", _breach),
        Field("breach_record", "33(5)", _breach_record),
        Field("appropriate_policy", "9(2), 10", _appropriate_policy),
        Field("retention_adherence", "5(1)(e)", _retention_adherence),
        Field("retention_adherence_reasons", "5(1)(e)", _retention_adherence_reasons),
    )
}
