"""The sheets about the export itself: the entity, open findings, changes since the last export,
completeness; and the whole workbook's sheets in order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from audit import verifier
from exports import stated
from exports.document import Document
from exports.layouts import Layout
from exports.view import View
from exports.xlsx.cookies_sheet import cookies_sheet
from exports.xlsx.sheets import (
    Cell,
    Completeness,
    Sheet,
    _lines,
    activity_sheet,
    categories_sheet,
    fiche_sheets,
    purposes_sheet,
    recipients_sheet,
    retention_sheet,
    security_sheet,
    transfers_sheet,
)


def entity_sheet(doc: Document) -> Sheet:
    t, e, m, view = doc.t, doc.view.shown, doc.meta, doc.view  # e: its own text translated

    def rows() -> Iterator[list[Cell]]:
        yield [t("cover.processor" if e.role == "processor" else "cover.controller"), e.legal_name]
        if e.registration:
            yield [t("cover.registration"), view.registration()]
        yield [t("cover.address"), view.address(e.address) or None]
        yield [t("cover.email"), e.email]
        yield [t("cover.phone"), e.phone]
        yield [t("field.regime"), stated.regime(view, e)]
        yield [t("cover.national_law"), stated.national_law(view, e)]
        yield [t("field.public_authority"), t.yes_no(e.public_authority)]
        yield [t("field.responsible"), view.contact(e.responsible)]
        dpo_text = view.dpo()
        if not dpo_text and e.dpo_decision:
            dpo_text = f"{t.yes_no(e.dpo_decision.required)}: {e.dpo_decision.reason}"
        yield [t("cover.dpo"), dpo_text or None]
        yield [t("cover.representative"), view.contact(e.representative) or None]
        yield [t("cover.joint_controllers"), _lines(view.contact(j.contact) for j in e.joint_controllers)]
        a = e.supervisory_authority
        yield [t("cover.authority"), f"{a.name} ({t.country(a.country)})" if a else None]
        yield [t("cover.remit"), a.remit if a else None]
        yield [t("field.authority_contact"), stated.authority_contact(view, a)]
        yield [t("cover.other_authorities"), _lines(stated.authority(view, o) for o in e.other_authorities)]
        yield [t("cover.authority_case"), m.authority_case]
        yield [t("cover.export_id"), m.export_id]
        yield [t("cover.exported_at"), iso(m.created_at)]
        yield [t("cover.as_of"), iso(m.state_time)]
        yield [t("cover.status"), t("draft.explained") if doc.is_draft else t("approved.explained")]
        if doc.role_conflicts:
            yield [t("cover.role"), t("cover.role_conflict", activities=", ".join(doc.role_conflicts))]
        yield [t("cover.layout"), doc.layout.name(t)]
        yield [t("cover.purpose"), t(f"purpose.{m.purpose}")]
        included = ", ".join(t(f"include.{i}") for i in m.include)
        yield [t("cover.internal"), included or t("include.none")]
        yield [t("cover.activities"), len(view.activities)]
        yield [t("cover.security_statement"), e.security_statement]
        yield [
            t("cover.checkpoint"),
            t(
                "cover.checkpoint_explained",
                last=m.checkpoint_size - 1,
                size=m.checkpoint_size,
                root=m.checkpoint_root,
                state=m.state_sha256,
            ),
        ]
        yield [t("cover.verifier_sha256"), verifier.sha256()]
        yield [t("cover.verifier_check"), t("cover.verifier_explained")]
        yield [t("annex.changes"), changes_compared(doc)]

    def shown() -> Iterator[list[Cell]]:
        for label, value in rows():
            yield [label, t("not_recorded") if value in (None, "") else value]

    return Sheet(t("sheet.entity"), [t("col.field"), t("col.value")], shown, [34, 90], checked=False)


def iso(moment: dt.datetime) -> str:
    """ISO 8601 with its zone, to the second: 2026-03-01T09:30:00+00:00."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def findings_sheet(doc: Document) -> Sheet:
    t, lang = doc.t, doc.meta.lang

    def rows() -> Iterator[list[Cell]]:
        for out in doc.iter_findings():  # never all held: a large register has many
            f = out.finding
            yield [
                t.enum("severity", f.severity),
                f.rule_id,
                f.article,
                t.enum("kind", f.record_kind),
                f.record_key,
                f.field,
                f.message[lang],
                f.remediation[lang],
                t.enum("finding_status", out.status),
                out.acceptance.expires_on if out.acceptance else None,
                out.acceptance.reason if out.acceptance else None,
            ]

    heads = [
        "col.severity", "col.rule", "col.article", "col.record_type", "col.key", "col.field", "col.message",
        "col.remediation", "col.status", "col.accepted_until", "col.reason",
    ]  # fmt: skip
    widths = [12, 30, 16, 18, 16, 20, 60, 60, 14, 12, 40]
    return Sheet(t("sheet.findings"), [t(h) for h in heads], rows, widths, checked=False)


def sources_sheet(doc: Document) -> Sheet:
    """The source documents (title, version, language, URL as text) and the quotes on records other
    than activities."""
    t, view = doc.t, doc.view

    def rows() -> Iterator[list[Cell]]:
        for d in doc.entity.documents:
            yield [t("col.document"), d.key, d.title, d.version, d.language, d.url, None, None]
        for kind, key, refs in view.sourced_records():
            for ref in refs:
                yield [
                    t.enum("kind", kind),
                    key,
                    None,
                    None,
                    ref.language,
                    None,
                    view.source(ref),
                    ref.translation,
                ]

    heads = [
        "col.record_type", "col.key", "col.title", "col.version", "col.language", "col.url", "col.quote",
        "col.translation",
    ]  # fmt: skip
    widths = [18, 18, 40, 14, 10, 40, 64, 64]
    return Sheet(t("annex.documents")[:31], [t(h) for h in heads], rows, widths, checked=False)


def changes_compared(doc: Document) -> str:
    """What the changes sheet compares with, as a sentence: the entity sheet states it, so that the
    changes sheet holds nothing but its rows."""
    t, m = doc.t, doc.meta
    if doc.changes is None:
        if m.sent_before:
            return t("annex.changes.none_earlier")
        return t("annex.changes.first" if m.purpose == "authority" else "annex.changes.never_sent")
    base = m.baseline or {}
    since = t(
        "annex.changes.since",
        export=base["export_id"],
        date=iso(dt.datetime.fromisoformat(base["created_at"])),
        as_of=iso(dt.datetime.fromisoformat(base["state_time"])),
    )
    return since if doc.changes else f"{since} {t('annex.changes.none')}"


def changes_sheet(doc: Document) -> Sheet:
    t = doc.t

    def rows() -> Iterator[list[Cell]]:
        for c in doc.changes or []:
            change = t.enum("change", c.change)
            yield [t.enum("kind", c.kind), c.key, c.name, change, ", ".join(c.fields) or None]

    heads = ["col.kind", "col.key", "col.name", "col.change", "col.fields"]
    return Sheet(t("sheet.changes"), [t(h) for h in heads], rows, [30, 16, 40, 14, 60], checked=False)


def completeness_sheet(doc: Document, noted: Completeness | None = None) -> Sheet:
    t = doc.t
    heads = ["col.key", "col.activity", "col.required_by"]
    found = noted.gaps if noted is not None else lambda: doc.gaps
    return Sheet(
        t("sheet.completeness"),
        [t(h) for h in heads],
        lambda: ([g.activity_key, g.activity_name, g.heading] for g in found()),
        [14, 40, 60],
        checked=False,
    )


def register_sheets(layout: Layout, view: View, noted: Completeness | None = None) -> list[Sheet]:
    """The sheets derived from the register alone, in workbook order."""
    sheets = [
        activity_sheet(layout, view, noted),
        purposes_sheet(view),
        categories_sheet(view),
        retention_sheet(view),
        recipients_sheet(view),
        transfers_sheet(view),
        security_sheet(view),
        cookies_sheet(view),
    ]
    if layout.style == "fiche":
        sheets += list(fiche_sheets(layout, view))
    return sheets


def all_sheets(doc: Document) -> list[Sheet]:
    # The completeness sheet comes after the activities and lists the gaps their rows noted.
    noted = Completeness(doc.layout, doc.view)
    sheets = register_sheets(doc.layout, doc.view, noted)
    cookies, fiches = sheets[7], sheets[8:]
    return [
        entity_sheet(doc),
        *sheets[:7],
        *([findings_sheet(doc)] if "findings" in doc.meta.include else []),
        sources_sheet(doc),
        changes_sheet(doc),
        completeness_sheet(doc, noted),
        cookies,
        *fiches,
    ]
