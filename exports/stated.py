"""What a source document states, as it states it, in the export's language (issue 19).

Beside the Art. 30 elements the register keeps the document's own claims: a basis laid down by law,
a transfer's region and claimed basis, how consent is given, rights with their limits, exclusions,
a claim of anonymity, the controller's regime, national law, status and contacts. These are the
phrases the PDF and the workbook show for them; an enum value is shown by its label in the export's
language (``stated.*`` in ``ropa/i18n/exports.yaml``), never by its key.
"""

from __future__ import annotations

from exports.view import View, unique
from ropa.activities.schemas import ActivityData, DataCategoryUse, NationalBasis, Purpose, RightStated
from ropa.entities.schemas import Authority, EntityData
from ropa.porting.schemas import TransferIn

# The national data protection acts the export titles in its language; another country's act is
# named by its country ("national_law.other").
TITLED_LAWS = frozenset({"DK", "NO", "GB"})


def national_basis(v: View, basis: NationalBasis) -> str:
    """A basis laid down by law (Art. 6(3)): the act as the document cites it, with the Art. 6(1)
    point it serves ("offentlighedsloven § 13 (Retlig forpligtelse (art. 6, stk. 1, litra c))")."""
    point = v.t.term("legal_basis", basis.point) if basis.point else v.t("stated.point_unstated")
    return f"{basis.act} ({point})"


def national_bases(v: View, purposes: list[Purpose]) -> list[str]:
    """Every purpose's bases laid down by law; named by its purpose when there are several."""
    several = len(purposes) > 1
    return unique(
        (f"{v.purpose(p)}: " if several else "") + national_basis(v, b)
        for p in purposes
        for b in p.national_bases
    )


def category_basis(v: View, use: DataCategoryUse) -> str:
    """A category's national provision ("CPR-nummer: databeskyttelsesloven § 11"), or nothing."""
    if not use.national_basis:
        return ""
    return f"{v.t.term('data_category', use.category)}: {use.national_basis}"


def right(v: View, stated: RightStated) -> str:
    """A right as stated: "Indsigelse: begrænset (kun direkte markedsføring; art. 21, stk. 2)"."""
    t = v.t
    text = f"{t.enum('stated.right', stated.right)}: {t.enum('stated.availability', stated.availability)}"
    details = [
        t.enum("stated.limited_to", stated.limited_to),
        stated.limit or "",
        stated.restriction_cited or "",
        v.cite(stated.restriction_article),
    ]
    extra = "; ".join(d for d in details if d)
    return f"{text} ({extra})" if extra else text


def rights(v: View, a: ActivityData) -> list[str]:
    return [right(v, r) for r in a.rights]


def exclusions(v: View, a: ActivityData) -> list[str]:
    return [
        ": ".join(p for p in (v.t.enum("stated.exclusion", x.what), x.description or "") if p)
        for x in a.exclusions
    ]


def consent_form(v: View, a: ActivityData) -> str:
    form = a.consent.form if a.consent else None
    return v.t.enum("stated.consent_form", form) if form else ""


def anonymity(v: View, a: ActivityData) -> str:
    return v.t.enum("stated.anonymity", a.anonymity_claim) if a.anonymity_claim else ""


def region(v: View, x: TransferIn) -> str:
    """The region a transfer goes to when the record names no country ("Uden for EU/EØS ...")."""
    return v.t.enum("stated.region", x.destination_region) if x.destination_region else ""


def claimed(v: View, x: TransferIn) -> str:
    """The transfer basis in the document's own words, marked as such."""
    return v.t("stated.claimed", text=x.mechanism_claimed) if x.mechanism_claimed else ""


def regime(v: View, e: EntityData) -> str:
    return v.t.enum("stated.regime", e.regime) if e.regime else ""


def national_law(v: View, e: EntityData) -> str:
    """The national data protection act, titled in the export's language ("Databeskyttelsesloven (lov
    nr. 502 af 23. maj 2018)", "Personopplysningsloven (lov 15. juni 2018 nr. 38)")."""
    code = (e.national_law or "").upper()
    if not code:
        return ""
    if code in TITLED_LAWS:
        return v.t(f"national_law.{code}")
    return v.t("national_law.other", country=v.t.country(code))


def authority_contact(v: View, a: Authority | None) -> str:
    """The contact details the document gives for an authority: e-mail, phone, address, web site."""
    if a is None:
        return ""
    parts = [a.email or "", a.phone or "", v.address(a.address), a.url or ""]
    return ", ".join(p for p in parts if p)


def authority(v: View, a: Authority) -> str:
    """An authority as a line: name (country), remit, contact details."""
    text = f"{a.name} ({v.t.country(a.country)})"
    if a.remit:
        text += f": {a.remit}"
    contact = authority_contact(v, a)
    return f"{text}; {contact}" if contact else text
