"""The PDF export: Jinja2 HTML and CSS printed by WeasyPrint, tagged, optionally PDF/A-3 with the register."""

from __future__ import annotations

import datetime as dt
import functools
import io
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from exports.document import Document
from exports.fields import Value
from exports.layouts import cells, is_required

TEMPLATES = Path(__file__).with_name("templates")


def _css_string(value: Any) -> markupsafe.Markup:
    """Text placed inside a CSS string in a <style> element: quotes, backslashes, breaks and < escaped."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "\\3C ")
    return markupsafe.Markup(text)  # noqa: S704 - escaped for CSS above; HTML escaping would break it


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
    )
    env.filters["css"] = _css_string
    return env


def _time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def render_html(doc: Document) -> str:
    """The final HTML of the export (CSS inlined), as WeasyPrint receives it."""
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
        title = f"{t('part.processor')} ({t('basis.processor')})"
        part = {"id": "part-processor", "title": title, "activities": entries(processor, len(controller))}
        parts.append(part)
    annexes = [
        ("annex-processors", t("annex.processors")),
        ("annex-recipients", t("annex.recipients")),
        ("annex-transfers", t("annex.transfers")),
        ("annex-retention", t("annex.retention")),
        ("annex-findings", t("annex.findings")),
        ("annex-completeness", t("annex.completeness")),
        ("annex-changes", t("annex.changes")),
    ]
    env = _environment()
    env.filters["term"] = lambda key, vocabulary: t.term(vocabulary, key)
    env.filters["processor_name"] = lambda key: view.processors[key].name if key in view.processors else key
    template = env.get_template("export.html")
    return template.render(
        doc=doc,
        view=view,
        t=t,
        fmt=fmt,
        parse_time=_time,
        required=is_required,
        parts=parts,
        annexes=annexes,
        processor_users=lambda key: [
            a for r in view.recipients_using_processor(key) for a in view.users_of("recipients", r)
        ],
        css=(TEMPLATES / "export.css").read_text(encoding="utf-8"),
    )


def pdf_options(doc: Document) -> dict[str, Any]:
    """WeasyPrint's options: tagged always; PDF/A-3 with the register attached for ``variant=pdfa``."""
    from weasyprint import Attachment

    created = doc.meta.created_at
    register = Attachment(
        file_obj=io.BytesIO(doc.register_json),
        name=f"ropa-register-{doc.entity.key}.json",
        description="The register this export shows, in the ropa-register format (docs/register-format.md)",
        created=created,
        modified=created,
        relationship="Data" if doc.meta.variant == "pdfa" else "Supplement",
    )
    options: dict[str, Any] = {
        "pdf_identifier": doc.meta.export_id.replace("-", "").encode(),
        "pdf_tags": True,
        "attachments": [register],
        "uncompressed_pdf": False,
    }
    if doc.meta.variant == "pdfa":
        options["pdf_variant"] = "pdf/a-3a"
    return options


def render_pdf(doc: Document, progress: Any) -> bytes:
    from weasyprint import HTML

    progress("html", 0.1)
    html = render_html(doc)
    progress("layout", 0.2)
    document = HTML(string=html, base_url=str(TEMPLATES)).render(**pdf_options(doc))
    progress("write", 0.8)
    return bytes(document.write_pdf(**pdf_options(doc)))
