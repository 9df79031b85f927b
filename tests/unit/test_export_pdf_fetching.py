"""A PDF export never fetches what register text names: hostile text prints as text, nothing is requested,
no local file is read into the PDF, and the renderer serves only the packaged export files."""

from __future__ import annotations

import datetime as dt
import http.server
import io
import re
import threading
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import msgspec
import pytest
import structlog
from pypdf import PdfReader

from exports import pdf
from exports.document import Change, Document, ExportMeta, register_sha256
from exports.i18n import Texts
from exports.layouts import layouts
from exports.view import View
from ropa.entities.schemas import Dpo, JointController, Registration
from ropa.errors import FetchRefused
from ropa.i18n import Lang
from ropa.porting.schemas import EntityIn, RegisterFile
from ropa.records.parts import Address, Contact
from ropa.vocabulary.schemas import TermData
from tests.unit.hostile_support import MARKER, MARKER_SVG, Hostile, Trap, fill, payload


@pytest.fixture
def trap(tmp_path: Path) -> Iterator[Trap]:
    requests: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/svg+xml")
            self.end_headers()
            self.wfile.write(MARKER_SVG.encode())

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    svg = tmp_path / "marker.svg"
    svg.write_text(MARKER_SVG)
    css = tmp_path / "marker.css"
    css.write_text(f'body::before {{ content: "{MARKER}" }}')
    txt = tmp_path / "marker.txt"
    txt.write_text(MARKER)
    try:
        yield Trap(server.server_address[1], requests, svg, css, txt)
    finally:
        server.shutdown()
        server.server_close()


def document(
    entity: EntityIn,
    terms: list[TermData],
    lang: Lang = "en",
    changes: list[Change] | None = None,
    **meta: Any,
) -> Document:
    """An export of ``entity`` as ``exports.service.prepare`` makes one, without a database."""
    moment = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    fields: dict[str, Any] = {
        "export_id": "0b7e3c52-1d7a-4f5e-9a51-3c2d6f1e8a90",
        "created_at": moment,
        "state_time": moment,
        "as_of": None,
        "format": "pdf",
        "layout": "canonical",
        "lang": lang,
        "variant": "standard",
        "authority": "Datatilsynet (DK)",
        "authority_case": None,
        "checkpoint_size": 42,
        "checkpoint_root": "q83vEjRWeJA=",
        "state_sha256": register_sha256(terms, entity),
    }
    fields.update(meta)
    return Document(
        ExportMeta(**fields), View(entity, Texts(lang, terms)), layouts()["canonical"], changes, terms
    )


def pages(content: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages]


def squash(text: str) -> str:
    """Text without whitespace: a table cell may wrap a value anywhere."""
    return re.sub(r"\s+", "", text.replace("\u00ad", ""))


def printed(value: str, path: str = "") -> str:
    """How a register value reads in the PDF, whitespace aside: a control character that is not
    whitespace shows as U+FFFD, so that no glyph is missing from the PDF's fonts. A retention event
    the vocabulary does not know is shown as written."""
    del path
    return squash(
        "".join("\ufffd" if unicodedata.category(c) == "Cc" and not c.isspace() else c for c in value)
    )


def body_text(doc: Document, texts: list[str]) -> str:
    """The pages' text without their headers and footers, which pypdf reads after the page's body:
    a table cell broken across pages then reads as one."""
    t, m = doc.t, doc.meta
    footer = [
        f"{t('cover.export_id')} {m.export_id} · {t('cover.as_of')} {t.datetime(m.state_time)}",
        f"{t('footer.checkpoint')} {m.checkpoint_size} · {m.checkpoint_root}",
    ]
    bodies = []
    for number, text in enumerate(texts, start=1):
        margins = [printed(doc.entity.legal_name), squash(doc.title)] if number > 1 else []
        margins += [printed(f) for f in footer] + [squash(f"{t('page')} {number} {t('of')} {len(texts)}")]
        margins += [t("draft")] if doc.is_draft else []  # the watermark
        body = squash(text).replace("•", "")  # list bullets read apart from their items
        for margin in margins:
            before, found, after = body.rpartition(margin)
            assert found, f"page {number} lacks its header or footer {margin[:40]}"
            body = before + after
        bodies.append(body)
    return "".join(bodies)


def _render(doc: Document) -> bytes:
    return pdf.render_pdf(doc, lambda stage, fraction: None)


@pytest.fixture
def demo(register: RegisterFile) -> EntityIn:
    return next(e for e in register.entities if e.key == "TECHEM-DK")


def test_hostile_text_in_every_field_prints_as_text_and_fetches_nothing(
    demo: EntityIn, terms: list[TermData], trap: Trap
) -> None:
    h = Hostile(trap)
    contact = Contact(
        name="x", email="x", address=Address(street="x", city="x", postal_code="x", country="DE")
    )
    base = msgspec.structs.replace(
        demo,
        registration=Registration(scheme="x", number="x"),
        dpo=Dpo(name="x", email="x", kind="external"),
        representative=contact,
        joint_controllers=[JointController(contact=contact, arrangement_ref="x")],
        processors=[msgspec.structs.replace(p, data_locations=["US", "IE"]) for p in demo.processors],
    )
    entity = fill(base, h, "entity")
    changed = h.text("change.name")
    doc = document(
        entity,
        terms,
        authority_case=h.text("meta.authority_case"),
        export_id=h.text("meta.export_id"),
        baseline={
            "export_id": h.text("meta.baseline.export_id"),
            "created_at": "2026-02-01T09:00:00+00:00",
            "state_time": "2026-02-01T08:00:00+00:00",
            "state_sha256": "0" * 64,
        },
        changes=[Change("activity", "PA-DK-01", changed, "changed", [h.text("change.field")])],
    )
    assert len(h.values) > 150, "every free-text field of the register holds a hostile value"

    with structlog.testing.capture_logs() as logs:
        content = _render(doc)

    assert trap.requests == [], "the renderer called a server named in register text"
    text = "\n".join(pages(content))
    assert MARKER not in text, "a local file named in register text was read into the PDF"
    assert list(PdfReader(io.BytesIO(content)).attachments) == [f"ropa-register-{entity.key}.json"]
    assert logs == [], "nothing was even asked for"

    # Every hostile value the export shows is shown as the literal text it is.
    html = pdf.render_html(doc)
    shown = [tag for tag in h.values if f"{tag} " in html or f"\\{tag}" in html]
    assert len(shown) > 100
    body = body_text(doc, pages(content))
    missing = [h.paths[tag] for tag in shown if printed(h.values[tag], h.paths[tag]) not in body]
    assert not missing, f"hostile values not printed literally: {missing}"
    assert not [c for c in text if unicodedata.category(c) == "Cc" and c != "\n"], "the text layer is intact"
    # The page header repeats the legal name, as text, on the pages after the cover; the footer
    # shows the export id.
    second = squash(pages(content)[1])
    assert printed(entity.legal_name) in second and printed(doc.meta.export_id) in second


def test_no_register_text_is_ever_css(demo: EntityIn, terms: list[TermData], trap: Trap) -> None:
    entity = fill(demo, Hostile(trap), "entity")
    html = pdf.render_html(document(entity, terms, authority_case=payload(trap, "case")))
    styles = re.findall(r"<style>(.*?)</style>", html, flags=re.S)
    css = (pdf.TEMPLATES / "export.css").read_text(encoding="utf-8")
    assert [s.strip() for s in styles] == [css.strip()], "the only stylesheet is the packaged one, unchanged"
    assert "url(" not in css and "@import" not in css and "@font-face" not in css


def test_the_fetcher_serves_the_packaged_stylesheet_and_refuses_everything_else(trap: Trap) -> None:
    fetcher = pdf.PackagedFetcher()
    served = fetcher(pdf.BASE_URL + "export.css")
    assert served.read() == (pdf.TEMPLATES / "export.css").read_bytes()
    assert served.content_type == "text/css"
    refused = [
        trap.txt.as_uri(),
        trap.svg.as_uri(),
        "file:///etc/passwd",
        pdf.BASE_URL + "export.html",  # a packaged file, but not one the export fetches
        pdf.BASE_URL + "../pdf.py",
        pdf.BASE_URL + "export.css?x=1",
        pdf.BASE_URL + "export.css#x",
        pdf.TEMPLATES.as_uri().replace("file://", "file://localhost") + "/export.css",
        trap.url("direct"),
        f"https://127.0.0.1:{trap.port}/direct",
        f"ftp://127.0.0.1:{trap.port}/direct",
        "data:text/css,body{color:red}",
        f"data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'><text>{MARKER}</text></svg>",
        "export.css",
    ]
    with structlog.testing.capture_logs() as logs:
        for url in refused:
            with pytest.raises(FetchRefused) as raised:
                fetcher(url)
            assert url not in str(raised.value) and MARKER not in str(raised.value)
    assert trap.requests == []
    assert [e["event"] for e in logs] == ["export.fetch_refused"] * len(refused)
    assert {e["scheme"] for e in logs} == {"file", "http", "https", "ftp", "data", "other"}


def test_weasyprint_skips_a_refused_resource_without_failing_or_logging_its_name(
    trap: Trap, caplog: pytest.LogCaptureFixture
) -> None:
    html = f"""<!doctype html><html><head>
      <link rel="stylesheet" href="export.css">
      <link rel="stylesheet" href="{trap.css.as_uri()}">
      <link rel="stylesheet" href="../../exports/templates/export.css?{MARKER}">
      <style>@import url("{trap.url("import")}"); p {{ background: url("{trap.url("bg")}"); }}</style>
      </head><body>
      <span class="ps-page">Seite</span><span class="ps-of">von</span>
      <p>kept</p>
      <img src="{trap.svg.as_uri()}" alt=""><img src="{trap.url("img")}" alt="">
      <img src="data:image/svg+xml,{quote(MARKER_SVG)}" alt="">
      <a rel="attachment" href="{trap.txt.as_uri()}">attached</a>
      </body></html>"""
    with caplog.at_level("DEBUG", logger="weasyprint"), structlog.testing.capture_logs() as logs:
        content = pdf.html_document(html).write_pdf()
    text = "\n".join(pages(content))
    assert "kept" in text
    assert "Seite 1 von 1" in text, "the packaged stylesheet, linked by name, was served and applied"
    assert MARKER not in text
    assert trap.requests == []
    assert not list(PdfReader(io.BytesIO(content)).attachments)
    assert len(logs) >= 6 and {e["event"] for e in logs} == {"export.fetch_refused"}
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Failed to load" in logged
    assert str(trap.port) not in logged and MARKER not in logged and str(trap.svg.parent) not in logged
