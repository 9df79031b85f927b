"""What notices state, kept by the register (issue 19, part 2): the regime, public-authority status, the
responsible unit, the supervisory authority's contact details, rights with their limits, exclusions, national
and UK conditions, claims of anonymity and planned processors. Each survives an import and a dump, on both
engines."""

from pathlib import Path
from typing import Any

import msgspec

from ropa.activities.schemas import RightStated
from ropa.porting.schemas import RegisterFile
from ropa.porting.services import dump_register, import_register
from tests.conftest import run
from tests.integration.register.register_support import fresh_empty_database

DEMO = Path(__file__).resolve().parents[3] / "ropa" / "demo" / "techem.yaml"
AUTHORITY = {
    "name": "Datatilsynet",
    "country": "DK",
    "email": "dt@datatilsynet.dk",
    "phone": "+4533193200",
    "address": {"street": "Carl Jacobsens Vej 35", "postal_code": "2500", "city": "Valby", "country": "DK"},
    "url": "https://www.datatilsynet.dk",
}
RIGHTS = [
    {
        "right": "objection",
        "availability": "limited",
        "limited_to": "direct_marketing",
        "limit": "marketing only",
    },
    {"right": "rectification", "availability": "limited", "restriction_cited": "arkivloven § 9"},
    {"right": "withdraw_consent"},
]


def _stated() -> RegisterFile:
    raw: dict[str, Any] = msgspec.yaml.decode(DEMO.read_bytes())
    denmark = next(e for e in raw["entities"] if e["key"] == "TECHEM-DK")
    denmark.update(
        regime="eu_gdpr",
        national_law="DK",
        public_authority=False,
        responsible={"name": "Legal department", "email": "legal@techem.example"},
        supervisory_authority=AUTHORITY,
    )
    denmark["processors"][0]["planned"] = True
    activity = denmark["activities"][0]
    activity["data_categories"].append(
        {"category": "national_id", "national_basis": "databeskyttelsesloven § 11"}
    )
    activity["purposes"][0]["uk_schedule1_condition"] = "Sch. 1 Part 1 para. 1"
    activity.update(
        rights=RIGHTS,
        exclusions=[{"what": "children", "description": "No data about children under 15"}],
        anonymity_claim="aggregated",
        data_categories_non_exhaustive=True,
    )
    return msgspec.convert(raw, RegisterFile)


def _check(register: RegisterFile) -> None:
    denmark = next(e for e in register.entities if e.key == "TECHEM-DK")
    assert (denmark.regime, denmark.national_law, denmark.public_authority) == ("eu_gdpr", "DK", False)
    assert denmark.responsible is not None and denmark.responsible.email == "legal@techem.example"
    sa = denmark.supervisory_authority
    assert sa is not None and (sa.email, sa.phone, sa.url) == (
        AUTHORITY["email"],
        AUTHORITY["phone"],
        AUTHORITY["url"],
    )
    assert sa.address is not None and sa.address.city == "Valby"
    planned = [p.key for p in denmark.processors if p.planned]
    assert planned == [denmark.processors[0].key]
    activity = next(a for a in denmark.activities if a.key == "PA-DK-01")
    assert activity.rights == msgspec.convert(RIGHTS, list[RightStated])
    assert [(x.what, x.description) for x in activity.exclusions] == [
        ("children", "No data about children under 15")
    ]
    assert [u.national_basis for u in activity.data_categories if u.category == "national_id"] == [
        "databeskyttelsesloven § 11"
    ]
    assert activity.purposes[0].uk_schedule1_condition == "Sch. 1 Part 1 para. 1"
    assert (activity.anonymity_claim, activity.data_categories_non_exhaustive) == ("aggregated", True)


def test_regime_rights_and_claims_survive_import_and_dump(demo_database, templates):
    fresh_empty_database(templates)
    run(import_register(_stated()))
    first = run(dump_register())
    _check(first)
    fresh_empty_database(templates)
    run(import_register(first))
    assert msgspec.json.encode(run(dump_register())) == msgspec.json.encode(first)
