"""What a document states, as it states it, shown on the pages in the page's language (issue 19).

The exports' canonical layout gives the Art. 30 elements; these are the fields beside them that keep
a source document's own words and claims: a basis laid down by law, a transfer's region and claimed
basis, how consent is given, rights with their limits, the controller's regime and contacts. Each is
a row (heading, values) for a page's fields table; an enum value is shown by its label, never its key.
Fields a record does not have (an older schema) are simply left out.
"""

from __future__ import annotations

from typing import Any

from ropa.i18n.citations import cite

Row = tuple[str, list[str]]

# Enum values and the label prefix that names them in ``ropa/i18n/web.yaml``.
REGIONS = ("outside_eea", "worldwide")
CONSENT_FORMS = ("opt_in", "continued_use", "browser_settings", "pre_ticked", "implied")


def _get(record: Any, name: str) -> Any:
    if isinstance(record, dict):
        return record.get(name)
    return getattr(record, name, None)


def _enum(t: Any, prefix: str, value: Any) -> str:
    """An enum value's label; a value without one is shown as "not recorded", never as its key."""
    if value in (None, ""):
        return ""
    key = f"st.{prefix}.{value}"
    return str(t(key)) if t.has(key) else str(t("not_recorded"))


def national_basis(t: Any, basis: Any) -> str:
    """``{act, point}`` as "act – Art. 6(1)(c) label", or the act with "point not stated"."""
    act, point = str(_get(basis, "act") or ""), _get(basis, "point")
    shown = t.term("legal_basis", point) if point else str(t("st.point_unstated"))
    return f"{act} – {shown}"


def _contact(t: Any, contact: Any) -> str:
    if not contact:
        return ""
    parts = [str(_get(contact, n) or "") for n in ("name", "email", "phone")]
    return ", ".join(p for p in parts if p)


def activity_rows(t: Any, a: Any) -> list[Row]:
    """The stated fields of an activity that are set, as rows."""
    rows: list[Row] = []
    purposes = _get(a, "purposes") or []
    bases = [
        (f"{_get(p, 'description')}: " if len(purposes) > 1 else "") + national_basis(t, b)
        for p in purposes
        for b in _get(p, "national_bases") or []
    ]
    if bases:
        rows.append((str(t("field.national_bases")), bases))
    schedule = [str(_get(p, "uk_schedule1_condition")) for p in purposes if _get(p, "uk_schedule1_condition")]
    if schedule:
        rows.append((str(t("field.uk_schedule1_condition")), schedule))
    consent = _get(a, "consent")
    if consent and _get(consent, "form"):
        rows.append((str(t("field.consent_form")), [_enum(t, "consent_form", _get(consent, "form"))]))
    rights = []
    for r in _get(a, "rights") or []:
        text = f"{_enum(t, 'right', _get(r, 'right'))}: {_enum(t, 'availability', _get(r, 'availability'))}"
        details = [
            _enum(t, "limited_to", _get(r, "limited_to")),
            str(_get(r, "limit") or ""),
            str(_get(r, "restriction_cited") or ""),
            cite(_get(r, "restriction_article"), t.lang),
        ]
        if extra := "; ".join(d for d in details if d):
            text += f" ({extra})"
        rights.append(text)
    if rights:
        rows.append((str(t("field.rights_stated")), rights))
    exclusions = [
        ": ".join(p for p in (_enum(t, "exclusion", _get(x, "what")), str(_get(x, "description") or "")) if p)
        for x in _get(a, "exclusions") or []
    ]
    if exclusions:
        rows.append((str(t("field.exclusions")), exclusions))
    if claim := _get(a, "anonymity_claim"):
        rows.append((str(t("field.anonymity_claim")), [_enum(t, "anonymity", claim)]))
    if _get(a, "data_categories_non_exhaustive"):
        rows.append((str(t("field.data_categories_non_exhaustive")), [str(t("yes"))]))
    national = [
        f"{t.term('data_category', _get(u, 'category'))}: {_get(u, 'national_basis')}"
        for u in _get(a, "data_categories") or []
        if _get(u, "national_basis")
    ]
    if national:
        rows.append((str(t("field.national_basis")), national))
    return rows


def transfer_region(t: Any, x: Any) -> str:
    return _enum(t, "region", _get(x, "destination_region"))


def transfer_claimed(t: Any, x: Any) -> str:
    claimed = _get(x, "mechanism_claimed")
    return str(t("st.claimed", text=claimed)) if claimed else ""


def _authority(authority: Any) -> list[str]:
    """An authority's name and the contact details the document gives for it."""
    if not authority:
        return []
    parts = [str(_get(authority, n) or "") for n in ("name", "email", "phone", "url", "complaint_url")]
    if address := _get(authority, "address"):
        parts.append(
            ", ".join(str(_get(address, n)) for n in ("street", "postal_code", "city") if _get(address, n))
        )
    return [p for p in parts if p]


def entity_rows(t: Any, e: Any) -> list[Row]:
    """The controller's stated regime, status and contacts that are set, as rows."""
    rows: list[Row] = []
    if regime := _get(e, "regime"):
        rows.append((str(t("field.regime")), [_enum(t, "regime", regime)]))
    if law := _get(e, "national_law"):
        rows.append((str(t("field.national_law")), [t.country(law)]))
    if (public := _get(e, "public_authority")) is not None:
        rows.append((str(t("field.public_authority")), [t.yes_no(public)]))
    if responsible := _contact(t, _get(e, "responsible")):
        rows.append((str(t("field.responsible")), [responsible]))
    if authority := _authority(_get(e, "supervisory_authority")):
        rows.append((str(t("wf.supervisory_authority")), authority))
    others = [", ".join(_authority(a)) for a in _get(e, "other_authorities") or []]
    if others:
        rows.append((str(t("wf.other_authorities")), others))
    return rows
