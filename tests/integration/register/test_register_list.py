"""Listing: filters by entity, status and text, and keyset pagination."""

import random

import pytest

from tests.integration.register.register_support import create, items, put_body


def _keys(records):
    return [r["key"] for r in records]


def _walk(client, path, limit, **params):
    """Every page of a listing; returns the pages' keys."""
    pages, cursor = [], None
    while True:
        query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"/api/{path}", params=query).json()
        pages.append(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 100, "pagination does not end"


@pytest.fixture
def register(client):
    """Two entities: DK with three activities in different statuses, NO with one."""
    dk = create(client, "entities", "ACME-DK", legal_name="Acme Danmark A/S")
    no = create(client, "entities", "ACME-NO", legal_name="Acme Norge AS", country="NO")
    create(
        client,
        "activities",
        "PA-DK-01",
        "ACME-DK",
        name="Kundeservice på Ærø",
        purposes=[{"description": "Besvare henvendelser fra kunder i Søby"}],
    )
    create(client, "activities", "PA-DK-02", "ACME-DK", name="Lønudbetaling", status="approved")
    create(client, "activities", "PA-DK-03", "ACME-DK", name="Old newsletter", status="retired")
    create(
        client,
        "activities",
        "PA-NO-01",
        "ACME-NO",
        name="Kundeservice i Tromsø",
        purposes=[{"description": "Håndtere klager fra kunder på Lofoten"}],
    )
    return {"dk": dk, "no": no}


def test_filter_by_entity_id_and_key(client, register):
    by_key = items(client, "activities", entity="ACME-DK")
    by_id = items(client, "activities", entity=register["dk"]["id"])
    assert _keys(by_key) == _keys(by_id) == ["PA-DK-01", "PA-DK-02", "PA-DK-03"]
    assert {r["entity"] for r in by_key} == {register["dk"]["id"]}
    assert _keys(items(client, "activities", entity="ACME-NO")) == ["PA-NO-01"]
    assert _keys(items(client, "activities")) == ["PA-DK-01", "PA-DK-02", "PA-DK-03", "PA-NO-01"]


def test_filter_by_status(client, register):
    assert _keys(items(client, "activities", status="approved")) == ["PA-DK-02"]
    assert _keys(items(client, "activities", status="retired")) == ["PA-DK-03"]
    assert _keys(items(client, "activities", status="draft")) == ["PA-DK-01", "PA-NO-01"]
    assert _keys(items(client, "activities", status="draft", entity="ACME-NO")) == ["PA-NO-01"]
    assert items(client, "activities", status="in_review") == []


SEARCHES = [
    ("kundeservice", ["PA-DK-01", "PA-NO-01"]),
    ("KUNDESERVICE", ["PA-DK-01", "PA-NO-01"]),
    ("ærø", ["PA-DK-01"]),
    ("ÆRØ", ["PA-DK-01"]),
    ("tromsø", ["PA-NO-01"]),
    ("Søby", ["PA-DK-01"]),  # only in the purpose
    ("håndtere", ["PA-NO-01"]),  # only in the purpose
    ("HÅNDTERE KLAGER", ["PA-NO-01"]),
    ("lønudbetaling", ["PA-DK-02"]),
    ("pa-no", ["PA-NO-01"]),  # the key
    ("bornholm", []),
]


def test_text_search(client, register):
    """Case-insensitive, in the name, the purposes and the key, with Danish and Norwegian letters."""
    for q, expected in SEARCHES:
        assert _keys(items(client, "activities", q=q)) == expected, q


def test_text_search_combines_with_other_filters(client, register):
    assert _keys(items(client, "activities", q="kundeservice", entity="ACME-NO")) == ["PA-NO-01"]
    assert _keys(items(client, "activities", q="kundeservice", status="approved")) == []
    assert _keys(items(client, "entities", q="NORGE")) == ["ACME-NO"]


def test_text_search_follows_updates(client, register):
    record = items(client, "activities", q="lønudbetaling")[0]
    client.put(f"/api/activities/{record['id']}", json=put_body(record, name="Payroll in Ålborg"))
    assert items(client, "activities", q="lønudbetaling") == []
    assert _keys(items(client, "activities", q="ålborg")) == ["PA-DK-02"]


def test_text_search_wildcards_are_literal(client, register):
    for q in ["%", "_", "k_ndeservice"]:
        assert items(client, "activities", q=q) == [], q


def test_vocabulary_filter(client):
    assert _keys(items(client, "vocabularies", vocabulary="legal_basis")) == [f"art6_1_{c}" for c in "abcdef"]


def _many(client, keys):
    create(client, "entities", "ACME")
    for key in keys:
        create(client, "processors", key, "ACME")


def test_pagination_walks_every_item_once_in_key_order(client):
    keys = [f"P-{n:02d}" for n in range(1, 8)]
    _many(client, random.Random(7).sample(keys, len(keys)))
    pages = _walk(client, "processors", 2)
    assert [len(p) for p in pages] == [2, 2, 2, 1]
    assert [r["key"] for page in pages for r in page] == keys
    assert _walk(client, "processors", 7) == [items(client, "processors", view="summary")]
    assert [len(p) for p in _walk(client, "processors", 1)] == [1] * 7


def test_pagination_stays_correct_when_records_are_added_between_pages(client):
    _many(client, ["P-02", "P-04", "P-06", "P-08"])
    first = client.get("/api/processors", params={"limit": 2}).json()
    assert _keys(first["items"]) == ["P-02", "P-04"]
    create(client, "processors", "P-01", "ACME")  # before the cursor: not on a later page
    create(client, "processors", "P-05", "ACME")  # after the cursor: on a later page
    rest, cursor = [], first["next_cursor"]
    while cursor:
        page = client.get("/api/processors", params={"limit": 2, "cursor": cursor}).json()
        rest += _keys(page["items"])
        cursor = page["next_cursor"]
    assert rest == ["P-05", "P-06", "P-08"]


def test_pagination_with_the_same_key_in_two_entities(client):
    """Keys are unique per entity only; the id breaks the tie so no record is skipped or repeated."""
    for entity in ("ACME-DK", "ACME-NO", "ACME-SE"):
        create(client, "entities", entity)
        for key in ("P-1", "P-2"):
            create(client, "processors", key, entity)
    walked = [r["id"] for page in _walk(client, "processors", 1) for r in page]
    assert len(walked) == len(set(walked)) == 6
    assert [r["id"] for r in items(client, "processors")] == walked


def test_pagination_with_filters(client, register):
    pages = _walk(client, "activities", 1, entity="ACME-DK", q="a")
    assert [r["key"] for page in pages for r in page] == _keys(
        items(client, "activities", entity="ACME-DK", q="a")
    )
    assert len(pages) >= 2


def test_records_of_a_retired_entity_can_still_be_listed(client):
    entity = create(client, "entities", "GONE")
    processor = create(client, "processors", "P-1", "GONE")
    client.delete(f"/api/processors/{processor['id']}")
    assert client.delete(f"/api/entities/{entity['id']}").json()["status"] == "retired"
    assert _keys(items(client, "processors", entity="GONE")) == ["P-1"]
