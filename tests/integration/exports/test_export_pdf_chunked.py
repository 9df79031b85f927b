"""A large register's PDF rendered in chunks (exports/pdf_chunks.py) is the same document a regulator
gets from one render: the same bytes every time, the same pages, bookmarks and contents, "page x of
y" on every page as an artifact, a structure tree that holds every page's text and every link, and
the register attached once to a PDF/A-3 file. The chunked path is forced on a small register split
into chunks of two activities, its headers and footers into pieces of ten pages."""

from __future__ import annotations

import dataclasses
import io
import re
import time
from typing import Any

import msgspec
import pytest
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from exports import pdf_chunks
from exports.document import Document
from exports.pdf import render_pdf  # the renderer itself, not the run's render cache (tests/conftest.py)
from ropa.porting.schemas import EntityIn, RegisterFile
from ropa.vocabulary.schemas import TermData
from tests.unit.demo_support import BUILTIN, DEMO
from tests.unit.export_pdf_support import struct_elements
from tests.unit.test_export_pdf_large_register import _entity as cloned
from tests.unit.test_export_pdf_structure import _read_aloud
from tests.unit.test_export_regulator_content import document

ACTIVITIES = 5
CHUNK = 2  # activities in a chunk: three chunks of activities
OVERLAY_PAGES = 10  # the headers and footers of some 30 pages in three pieces
pytestmark = pytest.mark.fresh_render


def _entity() -> EntityIn:
    return cloned(msgspec.yaml.decode(DEMO.read_bytes(), type=RegisterFile), ACTIVITIES)


def _render(doc: Document, chunked: bool) -> bytes:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(pdf_chunks.ABOVE_ENV, "1" if chunked else "0")
        patch.setenv(pdf_chunks.SIZE_ENV, str(CHUNK))
        patch.setattr(pdf_chunks, "OVERLAY_PAGES", OVERLAY_PAGES)
        return render_pdf(doc, lambda stage, fraction: None)


@pytest.fixture(scope="module")
def renders() -> dict[str, Any]:
    terms = msgspec.yaml.decode(BUILTIN.read_bytes(), type=list[TermData])
    doc = document(_entity(), terms)
    pdfa = document(_entity(), terms)
    pdfa = dataclasses.replace(pdfa, meta=dataclasses.replace(pdfa.meta, variant="pdfa"))
    return {
        "doc": doc,
        "single": _render(doc, chunked=False),
        "chunked": _render(doc, chunked=True),
        "again": _render(doc, chunked=True),
        "pdfa_doc": pdfa,
        "pdfa": _render(pdfa, chunked=True),
    }


def _outline(reader: PdfReader, items: list[Any], depth: int = 0) -> list[tuple[int, str, int]]:
    found: list[tuple[int, str, int]] = []
    for item in items:
        if isinstance(item, list):
            found += _outline(reader, item, depth + 1)
        else:
            page = reader.get_destination_page_number(item)
            assert page is not None, f"{item.title}'s bookmark opens a page"
            found.append((depth, str(item.title), page))
    return found


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_chunked_render_is_the_same_bytes_every_time(renders: dict[str, Any]) -> None:
    assert renders["chunked"] == renders["again"]


def test_the_chunked_render_has_the_single_renders_pages_bookmarks_and_contents(
    renders: dict[str, Any],
) -> None:
    single, chunked = PdfReader(io.BytesIO(renders["single"])), PdfReader(io.BytesIO(renders["chunked"]))
    # A chunk of activities starts a page: at most one page more for each chunk after the first.
    later_chunks = -(-ACTIVITIES // CHUNK) - 1
    assert len(single.pages) <= len(chunked.pages) <= len(single.pages) + later_chunks
    titles = _outline(chunked, chunked.outline)
    assert [(d, t) for d, t, _ in titles] == [(d, t) for d, t, _ in _outline(single, single.outline)]
    texts = [_squash(page.extract_text() or "") for page in chunked.pages]
    # Each activity's bookmark, named destination and contents line point at the page that prints it.
    contents = texts[1]
    dests = chunked.named_destinations
    for depth, title, page in titles:
        if title.startswith("BIG-"):
            assert depth == 1, f"{title} is a bookmark under its part"
            assert _squash(title) in texts[page], f"{title}'s bookmark opens page {page + 1}"
            key = int(title[4:7])
            assert chunked.get_destination_page_number(dests[f"a-{key}"]) == page
            assert re.search(re.escape(_squash(title)) + r"\.+" + str(page + 1) + r"(?!\d)", contents)


def test_every_page_says_page_x_of_y_as_an_artifact(renders: dict[str, Any]) -> None:
    doc: Document = renders["doc"]
    reader = PdfReader(io.BytesIO(renders["chunked"]))
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        shown = _squash(page.extract_text() or "")
        assert f"Page{number}of{total}" in shown, f"page {number}'s footer"
        assert str(doc.meta.checkpoint_size) in shown and doc.meta.export_id in shown
        assert f"Page{number}of" not in _squash(_read_aloud(page)), "the footer is read aloud"
    assert "Cloned activity 000" in _read_aloud(reader.pages[2])


def _object(reference: IndirectObject) -> Any:
    return reference.get_object()


def test_the_structure_tree_holds_every_page_link_and_header_cell(renders: dict[str, Any]) -> None:
    reader = PdfReader(io.BytesIO(renders["chunked"]))
    root: Any = reader.trailer["/Root"]
    assert root["/Lang"] == "en" and bool(root["/MarkInfo"]["/Marked"])
    tree = root["/StructTreeRoot"]
    nums = tree["/ParentTree"]["/Nums"]
    keys = [int(k) for k in nums[::2]]
    assert keys == sorted(set(keys)) and int(tree["/ParentTreeNextKey"]) == keys[-1] + 1
    parents = dict(zip(keys, nums[1::2], strict=True))
    read: list[Any] = list(reader.pages)
    pages = {page.indirect_reference.idnum: n for n, page in enumerate(read)}
    for n, page in enumerate(read):
        assert page["/StructParents"] == n
        marked = parents[n].get_object()
        assert all(e.get_object().raw_get("/Pg").idnum == page.indirect_reference.idnum for e in marked)
        for annotation in page.get("/Annots", []):
            link = parents[annotation.get_object()["/StructParent"]].get_object()
            assert link["/S"] == "/Link"
            assert any(
                _object(k).get("/Obj") == annotation for k in link["/K"] if isinstance(k, IndirectObject)
            )
    elements = struct_elements(reader)
    assert all(pages.get(e.raw_get("/Pg").idnum) is not None for e in elements if "/Pg" in e)
    ids = dict(zip(tree["/IDTree"]["/Names"][::2], tree["/IDTree"]["/Names"][1::2], strict=True))
    headers = [h for e in elements if e.get("/S") == "/TD" for h in e["/A"].get("/Headers", [])]
    assert headers and all(h in ids for h in headers), "each cell names a header cell of the tree"
    assert sum(1 for e in elements if e.get("/S") == "/H2") >= ACTIVITIES


def test_a_chunked_pdfa_has_the_register_attached_once(renders: dict[str, Any]) -> None:
    reader = PdfReader(io.BytesIO(renders["pdfa"]))
    assert list(reader.attachments) == ["ropa-register-TECHEM-DK.json"]
    assert reader.attachments["ropa-register-TECHEM-DK.json"] == [renders["pdfa_doc"].register_json]
    root: Any = reader.trailer["/Root"]
    assert len(root["/AF"]) == 1
    assert 'pdfaid:part="3"' in root["/Metadata"].get_object().get_data().decode()


def test_an_export_job_of_the_service_renders_in_chunks(
    demo_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the API, as a job of the server (its worker processes spawned from the job's thread)."""
    from exports import controllers
    from ropa.settings import Settings

    monkeypatch.setattr(controllers, "get_settings", lambda: Settings(export_sync_limit=1))
    monkeypatch.setenv(pdf_chunks.ABOVE_ENV, "1")
    monkeypatch.setenv(pdf_chunks.SIZE_ENV, str(CHUNK))
    response = demo_client.get("/api/entities/TECHEM-DK/export.pdf", params={"lang": "da"})
    assert response.status_code == 202
    status_url = response.json()["status_url"]
    for _ in range(6000):  # up to 10 minutes on a busy machine
        status = demo_client.get(status_url).json()
        if status["status"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert status["status"] == "done", status
    download = demo_client.get(status["download_url"])
    reader = PdfReader(io.BytesIO(download.content))
    total = len(reader.pages)
    assert total > 10 and all(
        f"Side{n}af{total}" in _squash(page.extract_text() or "") for n, page in enumerate(reader.pages, 1)
    )
    root: Any = reader.trailer["/Root"]
    assert root["/Lang"] == "da"
