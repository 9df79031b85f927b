"""The new-activity wizard's steps: which Art. 30 elements each asks for, and in which order.

A controller's activity walks Art. 30(1)(a)–(g); a processor's, Art. 30(2)(a)–(d): the controllers
it serves and what it does for each, its transfers and its security measures. Every step but the
controllers of a processor posts fields of the activity editor's form (``ropa.web.editor``), so
they are parsed, applied and validated by the editor's own code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from litestar.datastructures import FormMultiDict

from ropa.errors import NotFound


@dataclass(frozen=True)
class Step:
    """One page of the wizard: ``fields`` are the editor's form fields it posts."""

    slug: str
    fields: tuple[str, ...] = ()
    purposes: bool = False

    @property
    def title(self) -> str:
        return f"wz.step.{self.slug}"

    def article(self, role: str) -> str:
        """The label key of the article the step fills in, for this role."""
        return f"wz.art{'2' if role == 'processor' else ''}.{self.slug}"


STEPS = {
    s.slug: s
    for s in (
        Step("purposes", ("name", "description", "role"), purposes=True),
        Step("data", ("data_subjects", "data_categories", "data_categories_non_exhaustive")),
        Step("recipients", ("recipients",)),
        Step("transfers", ("transfers",)),
        Step("retention", ("retention",)),
        Step("controllers"),
        Step("security", ("security_measures", "security_description")),
        Step("review"),
    )
}
CONTROLLER_FLOW = ("purposes", "data", "recipients", "transfers", "retention", "security", "review")
PROCESSOR_FLOW = ("purposes", "controllers", "transfers", "security", "review")
FIRST = "purposes"


def flow(role: str) -> tuple[Step, ...]:
    """The steps of an activity in this role, in order."""
    return tuple(STEPS[s] for s in (PROCESSOR_FLOW if role == "processor" else CONTROLLER_FLOW))


def step_of(role: str, slug: str) -> Step:
    """The step by its URL segment; a step its role does not walk does not exist."""
    found = [s for s in flow(role) if s.slug == slug]
    if not found:
        raise NotFound(f"no wizard step '{slug}'", [{"name": "step", "reason": "no such step"}])
    return found[0]


def after(role: str, slug: str, go: str) -> str:
    """Where a saved step leads: the next step, the one before, or the same (``go``)."""
    slugs = [s.slug for s in flow(role)]
    if slug not in slugs:  # the role changed on this save: its steps start over after the first
        return slugs[1]
    i = slugs.index(slug)
    if go == "next":
        return slugs[min(i + 1, len(slugs) - 1)]
    if go == "back":
        return slugs[max(i - 1, 0)]
    return slug


# A processor's controllers (Art. 30(2)(a)-(b)): one row per controller, its contact and its
# categories of processing one a line. The editor has no form for them. A row carries its ``origin``
# (its place in the version the step was opened at), so the details the form does not show (address,
# web address) stay with their own controller when a row above it is emptied (removed).
CONTROLLER_FIELDS = ("name", "email", "phone", "categories")
MAX_CONTROLLERS = 50


def controllers_of(stored: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The form's rows from the stored ``controllers_served``."""
    rows = []
    for i, served in enumerate(stored):
        contact = served.get("controller") or {}
        rows.append(
            {
                "name": contact.get("name") or "",
                "email": contact.get("email") or "",
                "phone": contact.get("phone") or "",
                "categories": "\n".join(served.get("categories_of_processing", [])),
                "origin": str(i),
            }
        )
    return rows


def controllers_from_post(submitted: FormMultiDict) -> list[dict[str, str]]:
    """The rows as the browser sent them; an empty row (the one left for a new controller) adds nothing."""
    try:
        count = int(str(submitted.get("controller_count", "0")))
    except ValueError:
        count = 0
    rows = []
    for i in range(min(max(count, 0), MAX_CONTROLLERS) + 1):
        row = {f: str(submitted.get(f"controller-{i}-{f}", "")).strip() for f in CONTROLLER_FIELDS}
        if any(row.values()):
            rows.append({**row, "origin": str(submitted.get(f"controller-{i}-origin", "")).strip()})
    return rows


def apply_controllers(rows: list[dict[str, str]], stored: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``controllers_served`` from the rows; what the form does not show (address, web address) is kept
    from the controller the row came from (its ``origin``), each stored controller at most once."""
    out = []
    used: set[int] = set()
    for row in rows:
        origin = int(row["origin"]) if row.get("origin", "").isdigit() else -1
        base = dict(stored[origin]) if 0 <= origin < len(stored) and origin not in used else {}
        used.add(origin)
        contact = dict(base.get("controller") or {})
        contact |= {"name": row["name"], "email": row["email"] or None, "phone": row["phone"] or None}
        lines = [line.strip() for line in row["categories"].splitlines() if line.strip()]
        out.append({**base, "controller": contact, "categories_of_processing": lines})
    return out


def controller_field(path: str) -> str | None:
    """A validation path in ``controllers_served`` as the form field it came from."""
    m = re.match(r"controllers_served\[(\d+)\](?:\.controller\.(\w+)|\.(categories_of_processing))?", path)
    if not m:
        return None
    name = m[2] if m[2] in CONTROLLER_FIELDS else ("categories" if m[3] else "name")
    return f"controller-{m[1]}-{name}"


def controller_label(t: Any, field: str) -> str | None:
    """The label of a controller row's field, for the error summary: "Controller 2: E-mail"."""
    m = re.fullmatch(r"controller-(\d+)-(\w+)", field)
    if not m:
        return None
    return f"{t('wz.controller', n=int(m[1]) + 1)}: {t('wz.controller_' + m[2])}"
