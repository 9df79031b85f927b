"""Loading and walking the built-in vocabularies and the demo register for the unit tests."""

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import msgspec
import msgspec.inspect as mi

from ropa.records.parts import SourceRef

ROOT = Path(__file__).resolve().parents[2]
BUILTIN = ROOT / "ropa" / "vocabulary" / "builtin.yaml"
DEMO = ROOT / "ropa" / "demo" / "techem.yaml"
# SourceDocument.file paths ("seeds/...") are relative to the shared domain folder.
SEED_ROOT = Path(os.environ.get("ROPA_SEED_ROOT", "/work/shared"))

VOCABULARIES = {
    "legal_basis",
    "special_condition",
    "data_subject_category",
    "data_category",
    "recipient_kind",
    "transfer_mechanism",
    "security_measure",
    "service_kind",
    "country_adequacy",
    "retention_event",
}
REF_COLLECTIONS = {
    "processor": "processors",
    "recipient": "recipients",
    "transfer": "transfers",
    "retention_rule": "retention_rules",
    "document": "documents",
    "activity": "activities",
}
CNIL_CLASSES = {
    "identity",
    "contact",
    "login_connection",
    "location",
    "internet_cookies",
    "professional",
    "financial",
    "support_content",
    "other",
}
ART9 = {
    "health",
    "racial_ethnic_origin",
    "political_opinions",
    "religious_beliefs",
    "trade_union_membership",
    "genetic",
    "biometric",
    "sex_life_orientation",
}


# ------------------------------------------------------------------------------------------
# Loading and walking
# ------------------------------------------------------------------------------------------


def by_key(records: list[Any]) -> dict[str, Any]:
    return {r.key: r for r in records}


def walk(value: Any, t: mi.Type, path: str, out: list[tuple[str, str, str, str]]) -> None:
    """Collect (marker, name, value, path) for every field tagged with extra={"vocab"|"ref": name}."""
    if value is None or value is msgspec.UNSET:  # an optional field left out (translations)
        return
    if isinstance(t, mi.Metadata):
        for marker in ("vocab", "ref"):
            if t.extra and marker in t.extra:
                out.append((marker, t.extra[marker], value, path))
        walk(value, t.type, path, out)
    elif isinstance(t, mi.UnionType):
        members = [m for m in t.types if not isinstance(m, mi.NoneType)]
        assert len(members) == 1, f"unexpected union at {path}: {t}"
        walk(value, members[0], path, out)
    elif isinstance(t, mi.StructType):
        for f in t.fields:
            walk(getattr(value, f.name), f.type, f"{path}.{f.name}", out)
    elif isinstance(t, mi.ListType):
        for i, item in enumerate(value):
            walk(item, t.item_type, f"{path}[{i}]", out)


def tagged(entity: Any) -> list[tuple[str, str, str, str]]:
    out: list[tuple[str, str, str, str]] = []
    walk(entity, mi.type_info(type(entity)), entity.key, out)
    return out


def source_refs(value: Any, path: str = "") -> list[tuple[str, SourceRef]]:
    """Every SourceRef anywhere below a struct."""
    found: list[tuple[str, SourceRef]] = []
    if isinstance(value, SourceRef):
        found.append((path, value))
    elif isinstance(value, msgspec.Struct):
        for name in value.__struct_fields__:
            found += source_refs(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += source_refs(item, f"{path}[{i}]")
    return found


def normalise(text: str) -> str:
    """Re-join words hyphenated at a line break and collapse whitespace, so that a quote matches the
    policy text although the text wraps its lines elsewhere."""
    text = re.sub(r"(?<=\w)-[ \t\u00a0]*\r?\n\s*(?=\w)", "", text)
    return re.sub(r"\s+", " ", text).strip()


def iso(value: Any) -> dt.date:
    assert isinstance(value, str), value
    return dt.date.fromisoformat(value)
