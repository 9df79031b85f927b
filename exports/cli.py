"""``ropa export``: one entity's register as PDF or Excel, with a progress bar; ``--check`` only checks."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_export_command(sub: Any) -> None:
    from ropa.i18n import EXPORT_LANGUAGES

    p = sub.add_parser("export", help="export an entity's register as PDF or Excel for a regulator")
    p.add_argument("--entity", required=True, help="the entity's id, key or registration number")
    p.add_argument("--format", choices=("pdf", "xlsx"), default="pdf")
    p.add_argument("--lang", choices=EXPORT_LANGUAGES, help="default: the supervisory authority's")
    p.add_argument("--layout", default="canonical", help="see GET /api/exports/layouts")
    p.add_argument("--as-of", help="the register as it stood at this ISO 8601 time, from the audit log")
    p.add_argument("--authority-case", help="the authority's case reference, shown on the cover")
    p.add_argument("--variant", choices=("standard", "pdfa"), default="standard", help="pdfa: PDF/A-3")
    p.add_argument(
        "--purpose",
        choices=("internal", "authority"),
        default="internal",
        help="authority: record the export as sent to the supervisory authority (the baseline of the "
        "next export's changes appendix); internal (default): not sent",
    )
    p.add_argument(
        "--include",
        action="append",
        choices=("notes", "findings", "acceptances"),
        default=[],
        help="internal material to include (repeatable): analysts' notes, the findings annex, accepted "
        "risks; recorded in the export's audit event. Default: the register only",
    )
    p.add_argument("-o", "--output", help="file to write (default: the export's own file name)")
    p.add_argument("--check", action="store_true", help="only list required fields left empty")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


async def run_export(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from exports.service import ExportRequest, export, inspect, parse_as_of, validate
    from ropa.auditing.integrator import integrator

    as_of = parse_as_of(args.as_of)
    gaps, warnings = await inspect(args.entity, args.layout, args.lang, as_of)
    for gap in gaps:
        print(f"empty: {gap.activity_key} {gap.heading}", file=sys.stderr)
    for warning in warnings:
        print(f"language: {warning}", file=sys.stderr)
    if args.check:
        print(f"{len(gaps)} required fields of layout '{args.layout}' are empty")
        return 0
    req = ExportRequest(
        entity=args.entity,
        format=args.format,
        lang=args.lang,
        layout=args.layout,
        as_of=as_of,
        authority_case=args.authority_case,
        variant=args.variant,
        purpose=args.purpose,
        include=list(dict.fromkeys(args.include)),
    )
    validate(req)
    with Progress(
        TextColumn("{task.description:<18}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        disable=args.quiet or not sys.stderr.isatty(),
        console=None,
    ) as bar:
        task = bar.add_task("prepare", total=1.0)

        def progress(stage: str, fraction: float) -> None:
            bar.update(task, completed=fraction, description=stage[:18])

        result = await export(req, integrator(), progress)
    path = Path(args.output or result.filename)
    path.write_bytes(result.content)
    print(f"{path}: export {result.meta.export_id}, sha256 {result.sha256}")
    if result.reissue:
        print("the same register state was exported before with these options: same export id and bytes")
    return 0
