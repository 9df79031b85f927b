"""A recipient, transfer or retention rule created from inside the activity editor or the wizard.

The activity form carries a short form for each kind (its fields prefixed ``new-<kind>-``) and a
submit button ``inline=<kind>``. That button creates the record through the register's own audited
``create``, the same as the API and the record pages, and shows the activity form again with this
user's unsaved edits and the new record picked. The activity itself is not saved: its save is a
later, separate audited change, checked against the version the form was opened at as always.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import msgspec
from litestar.datastructures import FormMultiDict

from ropa.errors import Conflict, Invalid
from ropa.records import services as records
from ropa.vocabulary.schemas import TermData
from ropa.web.editor_form import Choices, Form
from ropa.web.messages import friendly
from ropa.web.record_forms import Spec, apply, form_from_post
from ropa.web.record_specs import RECIPIENT_SPEC, RETENTION_SPEC, TRANSFER_SPEC


@dataclasses.dataclass(frozen=True)
class Inline:
    """One kind of record made in place: the record form's spec narrowed to the fields shown here,
    and the activity form's picker the new record is picked in."""

    which: str
    spec: Spec
    picker: str
    title: str  # label key

    def field(self, name: str) -> str:
        """The activity form's name of one of this record's fields."""
        return f"new-{self.which}-{name}"


def _narrow(spec: Spec, *names: str) -> Spec:
    return dataclasses.replace(spec, fields=tuple(f for f in spec.fields if f.name in names))


# The fields a record needs to be picked and understood; the rest (sources, SCC details ...) is
# filled in later on the record's own page.
INLINES = {
    i.which: i
    for i in (
        Inline(
            "recipient",
            _narrow(RECIPIENT_SPEC, "key", "name", "kind", "country", "in_third_country"),
            "recipients",
            "rec.new_recipient",
        ),
        Inline(
            "transfer",
            _narrow(TRANSFER_SPEC, "key", "name", "destination_country", "recipient", "mechanism"),
            "transfers",
            "rec.new_transfer",
        ),
        Inline(
            "retention",
            _narrow(RETENTION_SPEC, "key", "name", "kind", "duration", "trigger_event", "criterion"),
            "retention",
            "rec.new_retention",
        ),
    )
}
DEFAULTS = {"retention": {"kind": "fixed"}}


def inline_of(submitted: FormMultiDict) -> Inline | None:
    """The kind whose "create" button sent the form, if one did."""
    return INLINES.get(str(submitted.get("inline", "")))


def _posted(inline: Inline, submitted: FormMultiDict) -> Any:
    """The short form's values, its fields' prefix taken off."""
    prefix = f"new-{inline.which}-"
    own = FormMultiDict([(k[len(prefix) :], v) for k, v in submitted.multi_items() if k.startswith(prefix)])
    return form_from_post(inline.spec, own)


def unsent(submitted: FormMultiDict, which: tuple[str, ...], form: Form, t: Any) -> bool:
    """A short form filled in but sent by the activity's own button (Enter in one of its fields):
    nothing is saved, so its entries are not silently dropped; the page asks to create or empty it."""
    found = False
    for name in which:
        inline = INLINES[name]
        if any(str(submitted.get(inline.field(f), "")).strip() for f in ("key", "name")):
            form.inline[name] = _posted(inline, submitted).values
            form.fail(f"new-{name}", str(t("edit.inline_unsent")))
            found = True
    return found


async def create(inline: Inline, submitted: FormMultiDict, entity_id: str, form: Form, t: Any) -> bool:
    """Create the record from its fields in ``submitted``; on success pick it in ``form``, else put
    the reasons on ``form`` by field (nothing is created). The values sent are kept on ``form`` for
    the page (emptied once created)."""
    posted = _posted(inline, submitted)
    form.inline = {inline.which: posted.values}
    data = {**apply(inline.spec, posted, {}), "entity": entity_id}
    names = [f.name for f in inline.spec.fields]
    try:
        created = await records.create(inline.spec.kind, msgspec.convert(data, inline.spec.kind.create))
    except msgspec.ValidationError as exc:
        match = re.search(r"at `\$\.([^`]+)`", str(exc))
        params = [{"name": match[1] if match else "", "reason": str(exc).split(" - at")[0]}]
    except (Invalid, Conflict) as exc:
        params = exc.invalid_params or [{"name": "", "reason": exc.detail}]
    else:
        form.values[inline.picker] = [*form.values.get(inline.picker, []), str(created.key)]
        form.inline = {}
        form.created = (inline.which, str(created.name), str(created.key))
        return True
    for p in params:
        head = re.split(r"[.\[]", str(p["name"]), maxsplit=1)[0]
        form.fail(
            inline.field(head) if head in names else f"new-{inline.which}", friendly(str(p["reason"]), t)
        )
    return False


def inline_label(t: Any, name: str) -> str | None:
    """The label of an inline field, for the error summary: "New recipient: Key"."""
    m = re.fullmatch(r"new-(\w+?)(?:-(\w+))?", name)
    if not m or m[1] not in INLINES:
        return None
    inline = INLINES[m[1]]
    found = [f for f in inline.spec.fields if f.name == m[2]]
    return f"{t(inline.title)}: {t(found[0].label)}" if found else str(t(inline.title))


def _options(field: Any, terms: list[TermData], choices: Choices, t: Any) -> list[tuple[str, str]]:
    kind, _, arg = field.options.partition(":")
    if kind == "vocab" or kind == "mechanism":
        vocabulary = arg or "transfer_mechanism"
        keys = [x.key for x in terms if x.vocabulary == vocabulary and not x.deprecated]
        return sorted(((k, t.term(vocabulary, k)) for k in keys), key=lambda kv: kv[1].casefold())
    if kind == "records":
        return list(choices.records["recipients"])
    if kind == "enum":
        prefix, _, values = arg.partition(":")
        return [(v, t.enum(prefix, v)) for v in values.split(",")]
    if field.widget == "bool":
        return [("yes", str(t("rec.yes"))), ("no", str(t("rec.no")))]
    return []


def inline_view(which: tuple[str, ...], form: Form, choices: Choices, t: Any) -> list[dict[str, Any]]:
    """What the page shows of each short form: its fields with their labels, options and values."""
    out = []
    for name in which:
        inline = INLINES[name]
        values = form.inline.get(name) or DEFAULTS.get(name, {})
        fields = [
            {
                "name": inline.field(f.name),
                "label": str(t(f.label)),
                "widget": "select" if f.widget == "bool" else f.widget,
                "blank": str(t("rec.unknown" if f.widget == "bool" else "rec.none_chosen")),
                "options": _options(f, choices.terms, choices, t),
                "hint": str(t(f.hint)) if f.hint else "",
                "value": values.get(f.name, ""),
            }
            for f in inline.spec.fields
        ]
        out.append({"which": name, "id": f"new-{name}", "title": str(t(inline.title)), "fields": fields})
    return out
