"""The fields that changed between two versions of a record, as (path, before, after) triples."""

from __future__ import annotations

from typing import Any


def diff(before: Any, after: Any, path: str = "") -> list[dict[str, Any]]:
    if isinstance(before, dict) and isinstance(after, dict):
        changes: list[dict[str, Any]] = []
        for key in [*before, *(k for k in after if k not in before)]:
            child = f"{path}.{key}" if path else key
            changes += diff(before.get(key), after.get(key), child)
        return changes
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [
            c for i, (b, a) in enumerate(zip(before, after, strict=True)) for c in diff(b, a, f"{path}[{i}]")
        ]
    return [] if before == after else [{"path": path or "$", "before": before, "after": after}]
