"""The GDPR article a stated right's limit rests on: kept through the API, an import and a dump, and refused
with problem+json naming the field when it is not on the closed list."""

from typing import Any

import msgspec

from ropa.porting.schemas import RegisterFile
from ropa.porting.services import dump_register, import_register
from tests.conftest import run
from tests.integration.register.register_support import Snapshot, create, expect_problem, fresh_empty_database
from tests.integration.register.test_register_regime_and_rights import DEMO

ERASURE = {
    "right": "erasure",
    "availability": "limited",
    "limit": "Not before the bookkeeping period ends",
    "restriction_cited": "bogføringsloven § 10",
    "restriction_article": "17(3)(b)",
}


def test_the_article_is_kept_and_an_article_off_the_list_is_refused(client: Any) -> None:
    create(client, "entities", "ACME")
    activity = create(client, "activities", "PA-01", "ACME", rights=[ERASURE])
    got = client.get(f"/api/activities/{activity['id']}").json()
    assert got["rights"][0]["restriction_article"] == "17(3)(b)"
    snapshot = Snapshot(client)
    wrong = {**ERASURE, "restriction_article": "Art. 99"}
    body = {"entity": "ACME", "key": "PA-NEW", "name": "New", "rights": [wrong]}
    expect_problem(client.post("/api/activities", json=body), 400, "rights[0].restriction_article")
    snapshot.assert_unchanged("activity.create")


def test_rights_with_and_without_the_article_survive_import_and_dump(
    demo_database: Any, templates: Any
) -> None:
    raw: dict[str, Any] = msgspec.yaml.decode(DEMO.read_bytes())
    activity = raw["entities"][0]["activities"][0]
    activity["rights"] = [{"right": "access"}, ERASURE]
    fresh_empty_database(templates)
    run(import_register(msgspec.convert(raw, RegisterFile)))
    first = run(dump_register())
    [kept] = [a for e in first.entities for a in e.activities if a.key == activity["key"]]
    assert [(r.right, r.restriction_article) for r in kept.rights] == [
        ("access", None),
        ("erasure", "17(3)(b)"),
    ]
    fresh_empty_database(templates)
    run(import_register(first))
    assert msgspec.json.encode(run(dump_register())) == msgspec.json.encode(first)
