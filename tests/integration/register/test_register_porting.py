"""Dump and import of whole registers: exact round trips, all-or-nothing imports, retired records."""

from pathlib import Path

import msgspec
import pytest

from ropa.errors import Conflict, Invalid
from ropa.porting.schemas import RegisterFile
from ropa.porting.services import decode, dump_register, import_register
from ropa.records import listing, services
from ropa.records.catalog import ACTIVITY, ENTITY, VOCABULARY
from tests.conftest import run
from tests.integration.register.register_support import fresh_empty_database, state

DEMO = Path(__file__).resolve().parents[3] / "ropa" / "demo" / "techem.yaml"


def _demo_builtins():
    return msgspec.yaml.decode(DEMO.read_bytes())


def _encoded(register):
    return msgspec.yaml.encode(register), msgspec.json.encode(register)


def test_dump_import_dump_is_byte_identical(demo_database, templates):
    first = run(dump_register())
    assert [e.key for e in first.entities] == ["TECHEM-DK", "TECHEM-NO"]
    fresh_empty_database(templates)
    counts = run(import_register(first))
    assert counts == {
        "entities": 2,
        "processors": 11,
        "recipients": 11,
        "transfers": 6,
        "retention_rules": 7,
        "activities": 11,
        "cookies": 4,
        "finding_acceptances": 0,
    }
    second = run(dump_register())
    assert _encoded(second) == _encoded(first)
    # Ids survive: the imported activity is found under the id it had in the source.
    activity = first.entities[0].activities[0]
    assert run(services.get(ACTIVITY, activity.id)).key == activity.key


def test_error_deep_inside_an_import_names_its_path_and_writes_nothing(database):
    raw = _demo_builtins()
    raw["entities"][1]["activities"][3]["purposes"][0]["legal_bases"][0] = "art6_1_z"
    before = run(state())
    with pytest.raises(Invalid) as failure:
        run(import_register(msgspec.convert(raw, RegisterFile)))
    names = [p["name"] for p in failure.value.invalid_params]
    assert names == ["entities[1].activities[3].purposes[0].legal_bases[0]"]
    assert "art6_1_z" in failure.value.invalid_params[0]["reason"]
    assert run(state()) == before
    assert run(state())["legal_entity"] == 0


def test_error_path_of_a_reordered_processor_is_its_place_in_the_file(database):
    """Sub-processors are imported first, but an error names the processor's index in the file."""
    register = {
        "entities": [
            {
                "key": "ACME",
                "legal_name": "Acme A/S",
                "country": "DK",
                "processors": [
                    {"key": "P-MAIN", "name": "Main", "sub_processors": ["P-SUB"]},
                    {"key": "P-SUB", "name": "Sub", "service_kinds": ["hosting", "teleportation"]},
                ],
            }
        ]
    }
    with pytest.raises(Invalid) as failure:
        run(import_register(msgspec.convert(register, RegisterFile)))
    assert [p["name"] for p in failure.value.invalid_params] == ["entities[0].processors[1].service_kinds[1]"]
    assert run(state())["legal_entity"] == 0


def test_schema_error_in_a_file_names_its_path(database):
    raw = _demo_builtins()
    raw["entities"][1]["retention_rules"][2]["kind"] = "forever"
    with pytest.raises(Invalid) as failure:
        decode(msgspec.json.encode(raw), yaml=False)
    assert [p["name"] for p in failure.value.invalid_params] == ["entities[1].retention_rules[2].kind"]
    with pytest.raises(Invalid) as failure:
        decode(b"entities: [", yaml=True)
    assert [p["name"] for p in failure.value.invalid_params] == ["file"]


def test_reimporting_the_demo_conflicts_on_key_and_writes_nothing(demo_database):
    before = run(state())
    with pytest.raises(Conflict) as failure:
        run(import_register(msgspec.convert(_demo_builtins(), RegisterFile)))
    assert [p["name"] for p in failure.value.invalid_params] == ["entities[0].key"]
    assert "TECHEM-DK" in failure.value.detail
    assert run(state()) == before


def test_retired_records_round_trip(database, templates):
    register = {
        "entities": [
            {
                "key": "ACME",
                "legal_name": "Acme A/S",
                "country": "DK",
                "recipients": [
                    {"key": "R-NEW", "name": "New mailer", "kind": "processor"},
                    {"key": "R-OLD", "name": "Old mailer", "kind": "processor", "retired": True},
                ],
                "transfers": [{"key": "T-OLD", "name": "Old", "mechanism": "scc_old", "retired": True}],
                "activities": [
                    {"key": "PA-1", "name": "Mailing", "recipients": ["R-NEW"]},
                    {"key": "PA-0", "name": "Old mailing", "status": "retired", "recipients": ["R-OLD"]},
                ],
            },
            {
                "key": "GONE",
                "legal_name": "Gone ApS",
                "country": "NO",
                "retired": True,
                "processors": [{"key": "P-1", "name": "Host", "retired": True}],
            },
        ]
    }
    run(import_register(msgspec.convert(register, RegisterFile)))
    first = run(dump_register())
    acme, gone = first.entities
    assert [(r.key, r.retired) for r in acme.recipients] == [("R-NEW", False), ("R-OLD", True)]
    assert [(t.key, t.retired) for t in acme.transfers] == [("T-OLD", True)]
    assert [(a.key, a.status) for a in acme.activities] == [("PA-0", "retired"), ("PA-1", "draft")]
    assert gone.retired and gone.processors[0].retired
    assert run(services.get(ENTITY, gone.id)).status == "retired"
    fresh_empty_database(templates)
    run(import_register(first))
    assert _encoded(run(dump_register())) == _encoded(first)


def test_deprecated_builtin_term_round_trips(demo_database, templates):
    term = run(listing.list_records(VOCABULARY, vocabulary="transfer_mechanism", q="safe_harbour")).items[0]
    run(services.retire(VOCABULARY, term.id, None))
    first = run(dump_register())
    fresh_empty_database(templates)
    run(import_register(first))
    again = run(listing.list_records(VOCABULARY, vocabulary="transfer_mechanism", q="safe_harbour")).items[0]
    assert again.status == "deprecated"
    assert _encoded(run(dump_register())) == _encoded(first)


def test_register_using_a_since_deprecated_term_can_be_restored(database, templates):
    register = {
        "vocabularies": [
            {"vocabulary": "data_category", "key": "fax_number", "labels": {"en": "F", "da": "F", "nb": "F"}}
        ],
        "entities": [
            {
                "key": "ACME",
                "legal_name": "Acme A/S",
                "country": "DK",
                "activities": [
                    {"key": "PA-1", "name": "Faxing", "data_categories": [{"category": "fax_number"}]}
                ],
            }
        ],
    }
    run(import_register(msgspec.convert(register, RegisterFile)))
    term = run(listing.list_records(VOCABULARY, vocabulary="data_category", q="fax_number")).items[0]
    run(services.retire(VOCABULARY, term.id, None))
    first = run(dump_register())
    fresh_empty_database(templates)
    run(import_register(first))
    assert _encoded(run(dump_register())) == _encoded(first)


def test_an_entity_cannot_drop_a_document_its_records_cite(demo_database, templates):
    entity = run(listing.list_records(ENTITY, q="techem danmark", full=True)).items[0]
    fields = {f: getattr(entity, f) for f in ENTITY.data.__struct_fields__}
    fields.update(documents=[], sources=[])
    with pytest.raises(Invalid) as refused:
        run(services.update(ENTITY, entity.id, ENTITY.update(**fields, version=entity.version)))
    assert {p["name"] for p in refused.value.invalid_params} == {"documents"}
    assert "DK-PP" in refused.value.invalid_params[0]["reason"]
    first = run(dump_register())
    fresh_empty_database(templates)
    run(import_register(first))
    assert _encoded(run(dump_register())) == _encoded(first)
