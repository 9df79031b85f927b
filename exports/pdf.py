"""The PDF export: Jinja2 HTML and CSS printed by WeasyPrint, tagged, optionally PDF/A-3 with the register."""

from __future__ import annotations

import datetime as dt
import functools
import io
import logging
import re
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
import pydyf
import structlog
from weasyprint import HTML, Attachment
from weasyprint.urls import URLFetcher, URLFetcherResponse

from audit import verifier
from exports import pdf_chunks, pdf_parts, pdf_tags, stated
from exports.document import Document
from exports.fields import Value
from exports.layouts import cells, is_required
from ropa.errors import FetchRefused

TEMPLATES = Path(__file__).with_name("templates")
# Relative URLs resolve against the templates folder, and only the exact URLs of PACKAGED are served.
BASE_URL = TEMPLATES.as_uri() + "/"
# Everything the renderer may fetch: packaged files by exact name. The templates reference nothing
# else: the stylesheet is inlined, no image, font file or data: URL is named, and WeasyPrint finds
# the DejaVu fonts through fontconfig without fetching. The stylesheet is listed so that a template
# may still link it.
PACKAGED = {"export.css": "text/css"}
_SERVED = {BASE_URL + name: (TEMPLATES / name, media_type) for name, media_type in PACKAGED.items()}
_SCHEMES = ("file", "http", "https", "ftp", "data")

log = structlog.get_logger("ropa.exports")


class PackagedFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no type information
    """WeasyPrint's URL fetcher for exports: the packaged files of ``PACKAGED``, and nothing else.

    Register text must never make the renderer read a local file or call a server: every other URL
    (other files, http:, https:, ftp:, data:, whatever the scheme) is refused before it is opened.
    """

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False, fail_on_errors=False)

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        del headers
        served = _SERVED.get(url)
        if served is None:
            found = re.match(r"[a-zA-Z][a-zA-Z0-9.+-]*(?=:)", url)
            scheme = found[0].lower() if found else ""
            log.warning("export.fetch_refused", scheme=scheme if scheme in _SCHEMES else "other")
            raise FetchRefused("not a packaged export file")
        path, media_type = served
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": media_type})


class _TextLeftOut(logging.Filter):
    """WeasyPrint's log lines name the resources it loads or fails to load, the text it cannot set
    and the CSS it ignores: a name or text could be register text, so every text argument is left
    out of them; the message, numbers and positions stay."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple("[left out]" if isinstance(a, str | bytes) else a for a in record.args)
        return True


# A logger's filters see only its own records, not its children's: each WeasyPrint logger gets one.
for _name in ("weasyprint", "weasyprint.progress"):
    if not any(isinstance(f, _TextLeftOut) for f in logging.getLogger(_name).filters):
        logging.getLogger(_name).addFilter(_TextLeftOut())


def _page_references(pdf: Any) -> tuple[bytes, ...]:
    """pydyf's ``PDF.page_references``, built once per page count instead of on every use.

    pydyf builds the tuple of all page references each time it is read, and WeasyPrint's tagging
    reads it once for every structure element (``weasyprint/pdf/tags.py``): writing a tagged PDF
    took time in pages x elements, 280 of the 568 s of a 1,000-activity export (docs/benchmarks.md,
    8c). Pages are only ever appended to ``Kids`` (``PDF.add_page``), so the tuple for a given
    ``Kids`` list and length never changes: the same references, the same bytes, in linear time."""
    kids = pdf.pages["Kids"]
    cached = pdf.__dict__.get("_ropa_page_references")
    if cached is None or cached[0] is not kids or cached[1] != len(kids):
        references = tuple(f"{number} 0 R".encode("ascii") for number in kids[::3])
        cached = pdf.__dict__["_ropa_page_references"] = (kids, len(kids), references)
    return cached[2]  # type: ignore[no-any-return]


if getattr(pydyf.PDF.page_references, "fget", None) is not _page_references:
    pydyf.PDF.page_references = property(_page_references)
# The template's data-pdf-tag attributes: the watermark an artifact, the contents a /TOC.
pdf_tags.install()


# Controls but tab, line feed and carriage return print as U+FFFD, and the separators of lines and
# pages as a line break: no font has a glyph for them, and a single .notdef glyph spoils the text of
# the whole PDF for search, copying and screen readers. (The HTML parser already turns NUL into U+FFFD.)
_UNPRINTABLE = dict.fromkeys([*range(0x00, 0x09), *range(0x0E, 0x20), *range(0x7F, 0xA0)], "\ufffd")
_UNPRINTABLE.update(dict.fromkeys([0x0B, 0x0C, 0x85, 0x2028, 0x2029], "\n"))


def _printable(value: Any) -> Any:
    """Every value the template prints, with the characters of ``_UNPRINTABLE`` replaced."""
    if not isinstance(value, str):
        return value
    text = str.translate(value, _UNPRINTABLE)
    if isinstance(value, markupsafe.Markup):
        return markupsafe.Markup(text)  # noqa: S704 - the same markup: only control characters replaced
    return text


# Filters take the export's texts and view from the render's context: the environment is shared
# by renders running at the same time in worker threads, so nothing of one export lives in it.
@jinja2.pass_context
def _term(context: jinja2.runtime.Context, key: str, vocabulary: str) -> str:
    return str(context["t"].term(vocabulary, key))


@jinja2.pass_context
def _country(context: jinja2.runtime.Context, code: str | None) -> str:
    return str(context["t"].country(code))


@jinja2.pass_context
def _contact(context: jinja2.runtime.Context, contact: Any) -> str:
    return str(context["view"].contact(contact))


@jinja2.pass_context
def _processor_name(context: jinja2.runtime.Context, key: str) -> str:
    processors = context["view"].processors
    return str(processors[key].name) if key in processors else key


@jinja2.pass_context
def _include_label(context: jinja2.runtime.Context, include: str) -> str:
    return str(context["t"](f"include.{include}"))


# The longest reference kept on one line: a key may have 64 characters (ropa/constraints.py), more
# than some fixed columns hold, and a longer one breaks where it must rather than run over its cell.
REF_UNBROKEN = 28


def _ref(value: str) -> markupsafe.Markup:
    """A reference (a record's key) that no line breaks at its hyphens: "PA-DK-01", never "PA-/DK-01"."""
    if len(value) > REF_UNBROKEN:
        return markupsafe.escape(value)
    return markupsafe.Markup('<span class="ref">%s</span>') % value


def _with_refs(t: Any, key: str, name: str, refs: list[str]) -> markupsafe.Markup:
    """The catalogue text ``key`` with the references ``refs`` (joined by commas) as its ``name``."""
    mark = "\x00"  # never in a catalogue text
    before, after = str(t(key, **{name: mark})).split(mark)
    joined = markupsafe.Markup(", ").join(_ref(r) for r in refs)
    return markupsafe.escape(before) + joined + markupsafe.escape(after)


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        finalize=_printable,
    )
    env.filters.update(term=_term, country=_country, contact=_contact, processor_name=_processor_name)
    env.filters["include_label"] = _include_label
    env.filters["ref"] = _ref
    return env


def _time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def render_html(doc: Document) -> str:
    """The final HTML of the export (CSS inlined), as WeasyPrint receives it.

    Register text appears only as escaped HTML text, never inside CSS or a URL: the page headers
    and footers take it from hidden elements through ``string-set`` (export.css)."""
    t, view = doc.t, doc.view

    def fmt(value: Value) -> str:
        return t.date(value) if isinstance(value, dt.date) else str(value)

    def entries(activities: list[Any], start: int) -> list[dict[str, Any]]:
        return [
            {"index": start + i, "activity": a, "cells": cells(doc.layout, a, view)}
            for i, a in enumerate(activities)
        ]

    controller = [a for a in view.activities if a.role != "processor"]
    processor = [a for a in view.activities if a.role == "processor"]
    parts = []
    if controller or not processor:
        part = {"id": "part-controller", "title": t("part.activities"), "activities": entries(controller, 0)}
        parts.append(part)
    if processor:
        title = f"{t('part.processor')} ({doc.layout.basis(t, 'processor', doc.entity)})"
        part = {"id": "part-processor", "title": title, "activities": entries(processor, len(controller))}
        parts.append(part)
    annexes = [
        ("annex-processors", t("annex.processors")),
        ("annex-recipients", t("annex.recipients")),
        ("annex-transfers", t("annex.transfers")),
        ("annex-retention", t("annex.retention")),
        ("annex-cookies", t("annex.cookies")),
        ("annex-documents", t("annex.documents")),
        *([("annex-findings", t("annex.findings"))] if "findings" in doc.meta.include else []),
        ("annex-completeness", t("annex.completeness")),
        ("annex-changes", t("annex.changes")),
    ]
    other_authorities = [stated.authority(view, a) for a in view.shown.other_authorities]
    template = _environment().get_template("export.html")
    return template.render(
        doc=doc,
        view=view,
        t=t,
        fmt=fmt,
        parse_time=_time,
        required=is_required,
        parts=parts,
        annexes=annexes,
        other_authorities=other_authorities,
        stated=stated,
        processor_users=lambda key: [
            a for r in view.recipients_using_processor(key) for a in view.users_of("recipients", r)
        ],
        verifier_sha256=verifier.sha256(),
        with_refs=functools.partial(_with_refs, t),
        css=(TEMPLATES / "export.css").read_text(encoding="utf-8"),
    )


def option_values(doc: Document) -> dict[str, Any]:
    """The export's PDF options as plain values, for ``options_of`` here or in a worker process."""
    return {
        "identifier": doc.meta.export_id.replace("-", "").encode(),
        "variant": doc.meta.variant,
        "tagged": True,
        "attachment": {
            "data": doc.register_json,
            "name": f"ropa-register-{doc.entity.key}.json",
            "description": doc.t("meta.attachment"),
            "created": doc.meta.created_at,
        },
    }


def options_of(values: dict[str, Any]) -> dict[str, Any]:
    """WeasyPrint's options: tagged always; PDF/A-3 with the register attached for ``variant=pdfa``."""
    options: dict[str, Any] = {
        "pdf_identifier": values["identifier"],
        "pdf_tags": values.get("tagged", True),
        "attachments": [],
        "uncompressed_pdf": False,
    }
    if (attached := values.get("attachment")) is not None:
        register = Attachment(
            file_obj=io.BytesIO(attached["data"]),
            name=attached["name"],
            description=attached["description"],
            created=attached["created"],
            modified=attached["created"],
            relationship="Data" if values["variant"] == "pdfa" else "Supplement",
        )
        options["attachments"] = [register]
    if values["variant"] == "pdfa":
        options["pdf_variant"] = "pdf/a-3a"
    return options


def pdf_options(doc: Document) -> dict[str, Any]:
    """WeasyPrint's options of the export (``options_of``); each use needs its own (an attachment is
    read once)."""
    return options_of(option_values(doc))


def _object(pdf: Any, reference: Any) -> Any:
    """The object a pydyf reference (``b"12 0 R"``) names."""
    number = int(reference.split()[0]) if isinstance(reference, str | bytes) else None
    return pdf.objects[number] if number is not None and number < len(pdf.objects) else None


def finish(document: Any, pdf: Any) -> None:
    """Fix what WeasyPrint 70 leaves out of or doubles in the PDF, before it is written.

    - PDF/A-3's ``/AF`` lists each attachment once (WeasyPrint adds it twice: from the name tree and
      from its file specification);
    - every table header cell (``/TH``) has a ``/Scope``: ``/Column`` in a table head, ``/Row``
      otherwise (the cover's and the activities' field tables), as the template's ``scope`` says;
    - every link annotation belongs to a ``/Link`` element (``pdf_parts.links_hold_their_annotations``:
      WeasyPrint files the contents' page references under a ``/Span``)."""
    del document
    af = pdf.catalog.get("AF")
    if af:
        pdf.catalog["AF"] = type(af)(dict.fromkeys(af))
    for obj in pdf.objects:
        if isinstance(obj, dict) and obj.get("S") == "/TH":
            row = _object(pdf, obj.get("P"))
            group = _object(pdf, row.get("P")) if isinstance(row, dict) else None
            head = isinstance(group, dict) and group.get("S") == "/THead"
            attributes = obj.get("A")
            if isinstance(attributes, dict):
                attributes["Scope"] = "/Column" if head else "/Row"
    if "StructTreeRoot" in pdf.catalog:
        pdf_parts.links_hold_their_annotations(pdf)


def html_document(html: str) -> HTML:
    """WeasyPrint's document of ``html``, fetching only the packaged files (PackagedFetcher)."""
    return HTML(string=html, base_url=BASE_URL, url_fetcher=PackagedFetcher())


def render_pdf(doc: Document, progress: Any) -> bytes:
    progress("html", 0.1)
    html = render_html(doc)
    progress("layout", 0.2)
    if pdf_chunks.wanted(len(doc.view.activities)):
        return pdf_chunks.render(html, option_values(doc), progress)
    document = html_document(html).render(**pdf_options(doc))
    progress("write", 0.8)
    return bytes(document.write_pdf(finisher=finish, **pdf_options(doc)))
