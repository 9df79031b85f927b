"""A template's import: a dry run (checked in full against the database, then rolled back) by
default, or the import itself, all or nothing, audited as ``register.import`` like any register file."""

from __future__ import annotations

import re
from collections.abc import Callable

import structlog

from ropa.auditing.integrator import integrator
from ropa.errors import DomainError, Invalid
from ropa.porting.schemas import FORMAT
from ropa.porting.services import import_register, try_register
from ropa.porting.templates.parse import Parsed, read_template
from ropa.porting.templates.report import summary_lines
from ropa.porting.templates.workbook import sheet_names

log = structlog.get_logger(__name__)


async def import_workbook(
    name: str, data: bytes, check_package: Callable[[bytes], None], apply: bool = False
) -> list[str] | None:
    """A workbook given to ``ropa import``: an authority's template, imported (or dry-run) with its
    report; None when it is ropa's own export (its register sheet is named as the format).

    ``check_package`` (``exports.read_xlsx``, which sits above porting) bounds the ZIP package
    before openpyxl reads any of it: part sizes, compression ratios, DTDs.
    """
    if not name.lower().endswith(".xlsx"):
        raise Invalid.of([("file", f"'{name}' is not read: save the workbook as .xlsx")])
    check_package(data)
    if FORMAT in sheet_names(data):
        return None
    lines = await import_template(data, source=f"template:{name}", apply=apply)
    if apply:  # sequence and sign at once, as ``ropa import`` does for a register file
        await integrator().integrate_all(checkpoint=True)
    return lines


async def import_template(data: bytes, source: str, apply: bool = False) -> list[str]:
    """The report of a template's import (or dry run): the template, the counts, each unmapped cell.

    Refused (DomainError) when a row is no activity, a value breaks a field's rule or a key is
    taken (a second import of the same file: its organisation exists), naming the sheet and row.
    """
    parsed = read_template(data)
    where = f"{parsed.template.id}, {len(parsed.register.entities[0].activities)} activities"
    try:
        if apply:
            counts = await import_register(parsed.register, source=f"{source} ({parsed.template.id})")
        else:
            counts = await try_register(parsed.register, source=source)
    except DomainError as exc:
        raise _located(exc, parsed) from None
    log.info(
        "register.template_import", template=parsed.template.id, applied=apply, unmapped=len(parsed.unmapped)
    )
    lines = summary_lines(parsed.template.title, where, counts, parsed.unmapped)
    if apply:
        lines[1] = lines[1].replace("would create", "created", 1)
    else:
        lines.append("dry run: nothing was written; run again with --apply to import")
    return lines


def _located(exc: DomainError, parsed: Parsed) -> DomainError:
    """The error with ``entities[0].activities[i]`` named by the sheet and row the activity came from."""

    def place(name: str) -> str:
        match = re.match(r"entities\[0\]\.activities\[(\d+)\](.*)", name)
        if match and int(match.group(1)) < len(parsed.origins):
            return f"{parsed.origins[int(match.group(1))]}{match.group(2)}"
        return name

    params = [{**p, "name": place(p["name"])} for p in exc.invalid_params]
    return type(exc)(exc.detail, params)
