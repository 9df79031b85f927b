"""Fields of the CNIL's model register ("fiche de registre"): the main purpose apart from the
sub-purposes, the CNIL's checklist of data categories and its list of sensitive data, the recipients
split into internal recipients, external organisations and processors, and transfers outside the EU as
yes or no with a link to the documentation of the safeguards.

Registered into ``exports.fields.FIELDS``; labels are ``field.<id>`` in ropa/i18n/fields.yaml.
"""

from __future__ import annotations

from exports.fields import Field, Value
from exports.fields_national import or_no
from exports.view import View, unique
from ropa.activities.schemas import DataCategoryUse
from ropa.porting.schemas import ActivityIn

# The CNIL's checklist line of each data category: a term's own ``cnil`` attribute, else its key's line
# (built-in terms whose class is too broad), else its class's. Special categories, criminal-offence
# data and the national identification number are the CNIL's "données sensibles" instead.
CHECKLIST = ("identity", "personal_life", "professional_life", "financial", "connection", "location", "other")
_BY_CLASS = {
    "identity": "identity",
    "contact": "identity",
    "professional": "professional_life",
    "financial": "financial",
    "login_connection": "connection",
    "internet_cookies": "connection",
    "location": "location",
}
_BY_KEY = {"preferences": "personal_life", "consumption_data": "personal_life"}
# Recipient kinds that are the CNIL's "sous-traitants"; "internal" is its "destinataires internes";
# every other kind (independent or joint controllers, public authorities) an "organisme externe".
_PROCESSOR_KINDS = frozenset({"processor", "sub_processor"})


def _attributes(v: View, use: DataCategoryUse) -> dict[str, object]:
    term = v.t.term_data("data_category", use.category)
    return term.attributes if term else {}


def _sensitive(v: View, use: DataCategoryUse) -> bool:
    # Art. 9(1), Art. 10, and Art. 87 (the CNIL lists the NIR among the sensitive data).
    attrs = _attributes(v, use)
    return use.special or use.criminal or any(attrs.get(k) for k in ("special", "art10", "national_id"))


def checklist_line(v: View, use: DataCategoryUse) -> str:
    """The CNIL's checklist line of a (non-sensitive) data category."""
    attrs = _attributes(v, use)
    line = str(attrs.get("cnil") or _BY_KEY.get(use.category) or _BY_CLASS.get(str(attrs.get("class")), ""))
    return line if line in CHECKLIST else "other"


def _line(line: str) -> Field:
    def get(a: ActivityIn, v: View) -> list[Value]:
        found = [
            v.t.term("data_category", u.category)
            for u in a.data_categories
            if not _sensitive(v, u) and checklist_line(v, u) == line
        ]
        return or_no(a, v, found)

    return Field(f"cnil_data_{line}", "30(1)(c)", get)


def _sensitive_data(a: ActivityIn, v: View) -> list[Value]:
    return or_no(a, v, [v.t.term("data_category", u.category) for u in a.data_categories if _sensitive(v, u)])


def _main_purpose(a: ActivityIn, v: View) -> list[Value]:
    return [v.purpose(a.purposes[0])] if a.purposes else []


def _sub_purposes(a: ActivityIn, v: View) -> list[Value]:
    """The purposes after the first; "None" where the record states a single purpose."""
    subs: list[Value] = list(unique(v.purpose(p) for p in a.purposes[1:]))
    return subs if subs or not a.purposes else [v.t("none.sub_purposes")]


def _recipients(a: ActivityIn, v: View, kinds: frozenset[str], inside: bool) -> list[str]:
    found = [v.recipients[k] for k in a.recipients if k in v.recipients]
    return list(unique(v.recipient(r.key) for r in found if (r.kind in kinds) == inside))


def _internal(a: ActivityIn, v: View) -> list[Value]:
    return list(_recipients(a, v, frozenset({"internal"}), True))


def _external(a: ActivityIn, v: View) -> list[Value]:
    return list(_recipients(a, v, _PROCESSOR_KINDS | {"internal"}, False))


def _processors(a: ActivityIn, v: View) -> list[Value]:
    """The processors the activity's recipients name (with their sub-processors), then any recipient
    of a processor kind that names none."""
    named = [v.processor(p) for p in v.processors_of(a)]
    found = [v.recipients[k] for k in a.recipients if k in v.recipients]
    unnamed = [v.recipient(r.key) for r in found if r.kind in _PROCESSOR_KINDS and not r.processor]
    return list(unique(named + unnamed))


def _transfers(a: ActivityIn, v: View) -> list[Value]:
    """Yes where the activity records a transfer; no where a source states there is none."""
    if any(k in v.transfers for k in a.transfers):
        return [v.t("yes")]
    return [v.t("no")] if any(s.field == "transfers" for s in a.sources) else []


def _documentation(a: ActivityIn, v: View) -> list[Value]:
    """Per transfer, the link to the documentation of its safeguards (Art. 46, 49(1) second subparagraph)."""
    shown = []
    for x in (v.transfers[k] for k in a.transfers if k in v.transfers):
        if x.safeguards_documentation:
            dest = v.destination(x)
            shown.append(f"{dest}: {x.safeguards_documentation}" if dest else x.safeguards_documentation)
    return list(unique(shown))


CNIL_FIELDS: dict[str, Field] = {
    f.id: f
    for f in [
        Field("cnil_main_purpose", "30(1)(b)", _main_purpose),
        Field("cnil_sub_purposes", "30(1)(b)", _sub_purposes),
        *(_line(line) for line in CHECKLIST),
        Field("cnil_sensitive_data", "9(1), 10, 87", _sensitive_data),
        Field("cnil_recipients_internal", "30(1)(d)", _internal),
        Field("cnil_recipients_external", "30(1)(d)", _external),
        Field("cnil_recipients_processors", "28, 30(1)(d)", _processors),
        Field("cnil_transfers", "30(1)(e)", _transfers),
        Field("cnil_transfer_documentation", "30(1)(e), 46", _documentation),
    ]
}
