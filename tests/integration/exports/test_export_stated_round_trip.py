"""Every field of issue 19 survives the register's round trips: the service's import and dump, the
``ropa dump``/``ropa import`` command line, and an exported workbook read back (``read_workbook``)."""

from __future__ import annotations

from typing import Any

import msgspec

from audit.integrator import Integrator
from exports.read_xlsx import read_workbook
from exports.service import ExportRequest, export
from ropa.auditing.keys import get_signer
from ropa.i18n import Lang
from ropa.porting.schemas import EntityIn, RegisterFile
from ropa.porting.services import dump_register, import_register
from ropa.settings import get_settings
from tests.conftest import run
from tests.integration.register.register_support import fresh_empty_database
from tests.integration.register.test_register_cli import ropa
from tests.unit.demo_support import DEMO
from tests.unit.test_export_stated_fields import STATED_TRANSFER, stated_entity


def _original() -> EntityIn:
    demo = msgspec.yaml.decode(DEMO.read_bytes(), type=RegisterFile)
    return stated_entity(next(e for e in demo.entities if e.key == "TECHEM-DK"))


def stated(e: EntityIn) -> dict[str, Any]:
    """The fields of issue 19, wherever they sit in the entity, as plain data."""
    first = min(e.activities, key=lambda a: a.key)
    transfer = next(x for x in e.transfers if x.key == STATED_TRANSFER)
    return msgspec.to_builtins(
        {
            "entity": [e.regime, e.national_law, e.public_authority, e.responsible],
            "authorities": [e.supervisory_authority, e.other_authorities],
            "purposes": [(p.national_bases, p.uk_schedule1_condition) for p in first.purposes],
            "activity": [first.consent, first.rights, first.exclusions, first.anonymity_claim],
            "categories": [
                first.data_categories_non_exhaustive,
                [u.national_basis for u in first.data_categories],
            ],
            "transfer": [transfer.destination_region, transfer.mechanism, transfer.mechanism_claimed],
            "planned": sorted(p.key for p in e.processors if p.planned),
        }
    )


def _integrator() -> Integrator:
    settings = get_settings()
    return Integrator(get_signer(settings, create=False), settings.audit_origin)


def _imported(database: str) -> EntityIn:
    run(import_register(RegisterFile(entities=[_original()]), source="test"))
    return next(e for e in run(dump_register()).entities if e.key == "TECHEM-DK")


def test_every_stated_field_survives_import_and_dump(database: str) -> None:
    original, dumped = _original(), _imported(database)
    assert stated(dumped) == stated(original)
    # Every field is really set: a field left at its default would pass the comparison above.
    values = stated(dumped)
    assert values["entity"][:3] == ["eu_gdpr", "DK", True] and values["planned"]
    assert values["transfer"] == ["outside_eea", "unspecified", "et overføringsgrundlag"]
    assert values["categories"][0] is True and "databeskyttelsesloven § 11" in values["categories"][1]
    assert all(values["activity"]) and values["purposes"][0][1] == "Sch. 1 Part 1 para. 1"


def test_the_command_line_dump_and_import_keep_every_stated_field(
    database: str, templates: Any, tmp_path: Any
) -> None:
    dumped = _imported(database)
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    done = ropa(database, "dump", "-o", str(first))
    assert done.returncode == 0, done.stderr
    empty = fresh_empty_database(templates)
    done = ropa(empty, "import", str(first))
    assert done.returncode == 0, done.stderr
    done = ropa(empty, "dump", "-o", str(second))
    assert done.returncode == 0, done.stderr
    assert second.read_bytes() == first.read_bytes()
    restored = next(e for e in run(dump_register()).entities if e.key == "TECHEM-DK")
    assert stated(restored) == stated(dumped)


def test_an_exported_workbook_carries_every_stated_field_back(database: str, templates: Any) -> None:
    dumped = _imported(database)
    national: tuple[tuple[Lang, str], ...] = (("da", "dk-datatilsynet"), ("nb", "no-datatilsynet"))
    for lang, layout in national:
        request = ExportRequest(entity="TECHEM-DK", format="xlsx", lang=lang, layout=layout)
        carried = read_workbook(run(export(request, _integrator())).content).entities[0]
        assert stated(carried) == stated(dumped), lang
    # The internal-audit workbook carries the whole entity; importing it restores the same register.
    request = ExportRequest(entity="TECHEM-DK", format="xlsx", lang="da", layout="internal-audit")
    content = run(export(request, _integrator())).content
    fresh_empty_database(templates)
    run(import_register(read_workbook(content), source="test"))
    restored = next(e for e in run(dump_register()).entities if e.key == "TECHEM-DK")
    assert restored == dumped
