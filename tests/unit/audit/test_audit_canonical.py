"""Canonical JSON: audit.canonical and the bundle verifier's stdlib canonicaliser both equal RFC 8785."""

from __future__ import annotations

import json
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from audit import verify_bundle
from audit.canonical import canonical_json, sha256_hex

SAFE = 2**53 - 1
# Characters around the places where UTF-16 order and code-point order disagree, plus escapes.
_TRICKY = st.sampled_from(["\r", "\x00", "\x1f", '"', "\\", "\x7f", "\x80", "\u00f6", "\u20ac", "\ud7ff"])
_HIGH = st.sampled_from(["\ue000", "\ufb33", "\uffff", "\U00010000", "\U0001f600", "\U0010ffff"])
TEXT = st.text(st.one_of(st.characters(exclude_categories=["Cs"]), _TRICKY, _HIGH), max_size=12)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-SAFE, SAFE) | TEXT,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(TEXT, inner, max_size=6),
    max_leaves=30,
)


@settings(max_examples=500, deadline=None)
@given(VALUES)
def test_bundle_canonicaliser_equals_rfc8785(value: Any) -> None:
    expected = rfc8785.dumps(value)
    assert verify_bundle.canonical(value) == expected
    # The verifier only ever sees parsed JSON, so the parse-then-canonicalise path must agree too.
    assert verify_bundle.canonical(verify_bundle.parse_json(json.dumps(value))) == expected
    assert verify_bundle.canonical(verify_bundle.parse_json(expected)) == expected  # idempotent
    assert canonical_json(value) == expected


def test_rfc8785_key_sorting_example() -> None:
    # RFC 8785 §3.2.3: keys sort by UTF-16 code units, so the emoji precedes U+FB33.
    obj = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    order = [v for v in json.loads(verify_bundle.canonical(obj)).values()]
    assert order == [
        "Carriage Return",
        "One",
        "Control",
        "Latin Small Letter O With Diaeresis",
        "Euro Sign",
        "Emoji: Grinning Face",
        "Hebrew Letter Dalet With Dagesh",
    ]
    assert verify_bundle.canonical(obj) == rfc8785.dumps(obj) == canonical_json(obj)


@pytest.mark.parametrize("text", ["1.5", "1e3", "-0.0", "NaN", "Infinity", str(SAFE + 1), str(-SAFE - 1)])
def test_verifier_parser_rejects_numbers_outside_the_model(text: str) -> None:
    with pytest.raises(ValueError):
        verify_bundle.parse_json(f'{{"n": {text}}}')


@pytest.mark.parametrize("value", [1.5, {"a": [0.0]}, {1: "int key"}, SAFE + 1, {"s": "\ud800"}, b"bytes"])
def test_canonical_json_rejects_values_the_verifier_cannot_reproduce(value: Any) -> None:
    with pytest.raises(ValueError):
        canonical_json(value)


def test_sha256_hex() -> None:
    assert sha256_hex(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
