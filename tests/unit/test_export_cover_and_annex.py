"""What a PDF export shows of an entity's processors and joint controllers, and the verifier's hash on
the PDF cover and in the workbook."""

from __future__ import annotations

import io
import re

import msgspec
import pytest
from openpyxl import load_workbook

from audit import verifier
from exports.xlsx import render_xlsx
from ropa.entities.schemas import JointController
from ropa.porting.schemas import EntityIn, RegisterFile
from ropa.records.parts import Contact
from ropa.vocabulary.schemas import TermData
from tests.unit.test_export_pdf_fetching import _render, document, pages, squash


@pytest.fixture
def demo(register: RegisterFile) -> EntityIn:
    return next(e for e in register.entities if e.key == "TECHEM-DK")


def test_a_processor_with_data_locations_and_joint_controllers_export(
    demo: EntityIn, terms: list[TermData]
) -> None:
    processors = [
        msgspec.structs.replace(demo.processors[0], data_locations=["US", "IE"]),
        *demo.processors[1:],
    ]
    joint = JointController(contact=Contact(name="Techem GmbH", email="privacy@techem.de"))
    entity = msgspec.structs.replace(demo, processors=processors, joint_controllers=[joint])
    shown = pages(_render(document(entity, terms)))
    annex = squash(next(p for p in shown if p.startswith("Processors and sub-processors\nName")))
    row = annex[annex.index(squash(processors[0].name)) : annex.index(squash(processors[1].name))]
    assert "UnitedStates" in row and "Ireland" in row, "the processor's data locations are in its row"
    assert squash("Joint controllers Techem GmbH, privacy@techem.de") in squash(shown[0])


def test_the_verifier_hash_is_on_the_pdf_cover_and_the_workbook(
    demo: EntityIn, terms: list[TermData]
) -> None:
    sha = verifier.sha256()
    assert re.fullmatch(r"[0-9a-f]{64}", sha)
    for lang, label in (("en", "Verifier SHA-256"), ("da", "Verifikationsprogrammets SHA-256")):
        doc = document(demo, terms, lang=lang)  # type: ignore[arg-type]  # en and da are languages
        cover = squash(pages(_render(doc))[0])
        assert squash(f"{label} {sha}") in cover
        assert squash("verify_bundle.py") in cover

    doc = document(demo, terms, lang="nb", format="xlsx")
    wb = load_workbook(io.BytesIO(render_xlsx(doc, lambda stage, fraction: None)), read_only=True)
    rows = {row[0]: row[1] for row in wb[wb.sheetnames[0]].iter_rows(values_only=True) if len(row) > 1}
    assert rows["Verifikasjonsprogrammets SHA-256"] == sha
    assert "verify_bundle.py" in rows["Kontroll av verifikasjonsprogrammet"]
