"""Property tests of the register file format (`ropa import` / `ropa dump`).

Whatever bytes arrive, decoding gives a register or an Invalid error that names a field, never
anything else; and any text an officer may type survives a dump and a re-import, in JSON and YAML.
"""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ropa.errors import Invalid
from ropa.porting.services import decode

DEMO = Path(__file__).resolve().parents[2] / "ropa" / "demo" / "techem.yaml"
DEMO_REGISTER = decode(DEMO.read_bytes(), yaml=True)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=25,
)
# Register-shaped documents: the right top-level keys with arbitrary values, so decoding gets deep.
shaped = st.fixed_dictionaries(
    {"format": st.just("ropa-register"), "format_version": st.just(1)},
    optional={
        "entities": st.lists(
            st.dictionaries(
                st.sampled_from(
                    ["key", "name", "activities", "processors", "transfers", "country", "default_language"]
                ),
                json_values,
                max_size=5,
            ),
            max_size=2,
        ),
        "vocabularies": json_values,
    },
)
# Text an officer may type: any Unicode but the surrogates and the C0/C1 controls YAML cannot carry.
typed_text = st.text(
    st.characters(exclude_categories=("Cs", "Cc")) | st.sampled_from("\n\t"), min_size=1, max_size=60
).filter(lambda s: s.strip() == s and s.strip())


@settings(max_examples=300, derandomize=True, deadline=None)
@given(document=json_values | shaped, as_yaml=st.booleans())
def test_any_document_decodes_to_a_register_or_an_error_naming_a_field(
    document: object, as_yaml: bool
) -> None:
    raw = msgspec.yaml.encode(document) if as_yaml else msgspec.json.encode(document)
    try:
        decode(raw, yaml=as_yaml)
    except Invalid as exc:
        assert exc.invalid_params, "an Invalid error names at least one field"
        assert all(p["name"] and p["reason"] for p in exc.invalid_params)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(data=st.binary(max_size=200), as_yaml=st.booleans())
def test_arbitrary_bytes_are_refused_as_the_file_never_with_a_crash(data: bytes, as_yaml: bool) -> None:
    try:
        decode(data, yaml=as_yaml)
    except Invalid as exc:
        assert exc.invalid_params


@settings(max_examples=100, derandomize=True, deadline=None)
@given(name=typed_text, description=typed_text, index=st.integers(min_value=0, max_value=10_000))
@pytest.mark.parametrize("as_yaml", [False, True], ids=["json", "yaml"])
def test_any_typed_text_survives_a_dump_and_a_reimport(
    as_yaml: bool, name: str, description: str, index: int
) -> None:
    entity = DEMO_REGISTER.entities[index % len(DEMO_REGISTER.entities)]
    activities = list(entity.activities)
    at = index % len(activities)
    activities[at] = msgspec.structs.replace(activities[at], name=name, description=description)
    changed = msgspec.structs.replace(
        DEMO_REGISTER,
        entities=[msgspec.structs.replace(entity, activities=activities)],
    )
    raw = msgspec.yaml.encode(changed) if as_yaml else msgspec.json.encode(changed)
    back = decode(raw, yaml=as_yaml)
    assert back == changed
    assert back.entities[0].activities[at].name == name
