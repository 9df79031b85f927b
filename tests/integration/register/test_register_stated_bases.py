"""What notices state, kept by the register: a basis given as law, a transfer basis as the document words it,
a destination region. Each survives an import, a dump and the workbook an export writes, on both engines."""

from pathlib import Path
from typing import Any

import msgspec

from audit.integrator import Integrator
from exports.read_xlsx import read_workbook
from exports.service import ExportRequest, export
from ropa.auditing.keys import get_signer
from ropa.porting.schemas import RegisterFile
from ropa.porting.services import dump_register, import_register
from ropa.settings import get_settings
from tests.conftest import run
from tests.integration.register.register_support import fresh_empty_database

DEMO = Path(__file__).resolve().parents[3] / "ropa" / "demo" / "techem.yaml"
NATIONAL = [{"act": "personopplysningsloven § 1"}, {"act": "arkivlova § 6", "point": "art6_1_c"}]


def _with_stated_bases() -> RegisterFile:
    raw: dict[str, Any] = msgspec.yaml.decode(DEMO.read_bytes())
    norway = next(e for e in raw["entities"] if e["key"] == "TECHEM-NO")
    purpose = next(a for a in norway["activities"] if a["key"] == "PA-NO-01")["purposes"][0]
    purpose["national_bases"] = NATIONAL
    cookies = next(a for a in norway["activities"] if a["key"] == "PA-NO-05")
    cookies["consent"] = {"mechanism": "Using the portal counts as acceptance", "form": "continued_use"}
    transfer = next(t for t in norway["transfers"] if t["key"] == "T-NO-ADEQUACY")
    transfer.update(destination_region="outside_eea", mechanism_claimed="et overføringsgrunnlag")
    return msgspec.convert(raw, RegisterFile)


def _check(register: RegisterFile) -> None:
    norway = next(e for e in register.entities if e.key == "TECHEM-NO")
    purpose = next(a for a in norway.activities if a.key == "PA-NO-01").purposes[0]
    expected = [(n["act"], n.get("point")) for n in NATIONAL]
    assert [(n.act, n.point) for n in purpose.national_bases] == expected
    consent = next(a for a in norway.activities if a.key == "PA-NO-05").consent
    assert consent is not None and consent.form == "continued_use"
    transfer = next(t for t in norway.transfers if t.key == "T-NO-ADEQUACY")
    assert transfer.destination_region == "outside_eea"
    assert transfer.mechanism_claimed == "et overføringsgrunnlag"


def test_stated_bases_survive_import_dump_and_the_workbook(demo_database, templates):
    fresh_empty_database(templates)
    run(import_register(_with_stated_bases()))
    first = run(dump_register())
    _check(first)
    fresh_empty_database(templates)
    run(import_register(first))
    assert msgspec.json.encode(run(dump_register())) == msgspec.json.encode(first)

    settings = get_settings()
    integrator = Integrator(get_signer(settings, create=False), settings.audit_origin)
    request = ExportRequest(entity="TECHEM-NO", format="xlsx", lang="nb", layout="internal-audit")
    _check(read_workbook(run(export(request, integrator)).content))
