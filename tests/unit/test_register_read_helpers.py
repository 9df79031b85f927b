"""The helpers that make a large register's read cheap change nothing a reader can see."""

from __future__ import annotations

import gc

import msgspec.inspect as mi
import pytest

from ropa.porting.read import collector_paused
from ropa.porting.schemas import ActivityIn, EntityIn
from ropa.records.struct_info import struct_fields


def test_the_collector_runs_again_after_the_block_even_when_it_fails() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("the block failed")
    assert gc.isenabled()


def test_an_inner_block_leaves_the_collector_paused_for_the_outer_one() -> None:
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block is still running
    assert gc.isenabled()


@pytest.mark.parametrize("cls", [EntityIn, ActivityIn])
def test_struct_fields_are_those_msgspec_describes_for_nested_structs_too(cls: type) -> None:
    expected = mi.type_info(cls).fields  # type: ignore[attr-defined]
    assert [f.name for f in struct_fields(cls)] == [f.name for f in expected]
    # A struct met inside the first one asked for is described without another translation.
    inner = next(
        f.type.item_type.cls
        for f in expected
        if isinstance(f.type, mi.ListType) and isinstance(f.type.item_type, mi.StructType)
    )
    assert [f.name for f in struct_fields(inner)] == [f.name for f in mi.type_info(inner).fields]  # type: ignore[attr-defined]
