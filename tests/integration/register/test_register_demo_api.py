"""The Techem demo register read through the API: every Art. 30(1) element, and the facts as seeded."""

import pytest

from tests.integration.register.register_support import items

ENTITIES = ("TECHEM-DK", "TECHEM-NO")


@pytest.fixture
def demo(demo_client):
    """Everything of the demo register, read once through the list endpoints."""
    out = {"client": demo_client}
    out["entities"] = {e["key"]: e for e in items(demo_client, "entities")}
    for path in ("activities", "recipients", "transfers", "retention-rules", "processors"):
        out[path] = {key: items(demo_client, path, entity=key) for key in ENTITIES}
    return out


def _by_key(records):
    return {r["key"]: r for r in records}


def test_the_demo_holds_two_entities_and_eleven_activities(demo):
    assert sorted(demo["entities"]) == list(ENTITIES)
    assert [len(demo["activities"][k]) for k in ENTITIES] == [5, 6]
    assert sorted(r["key"] for r in demo["activities"]["TECHEM-DK"]) == [f"PA-DK-0{n}" for n in range(1, 6)]


@pytest.mark.parametrize("entity_key", ENTITIES)
def test_every_article_30_1_element_of_every_activity(demo, entity_key):
    client = demo["client"]
    recipients = _by_key(demo["recipients"][entity_key])
    transfers = _by_key(demo["transfers"][entity_key])
    retention = _by_key(demo["retention-rules"][entity_key])
    for listed in demo["activities"][entity_key]:
        activity = client.get(f"/api/activities/{listed['id']}").json()
        assert activity == listed
        entity = client.get(f"/api/entities/{activity['entity']}").json()
        assert entity["key"] == entity_key
        where = activity["key"]
        # (a) name and contact details of the controller
        assert entity["legal_name"], where
        assert "@" in entity["email"] and entity["phone"].startswith("+"), where
        assert entity["address"]["city"] and entity["address"]["country"] == entity["country"], where
        # (b) purposes
        assert activity["purposes"] and all(p["description"] for p in activity["purposes"]), where
        # (c) categories of data subjects and of personal data
        assert activity["data_subjects"] and activity["data_categories"], where
        assert all(c["category"] for c in activity["data_categories"]), where
        # (d) recipients: each key is a recipient record of the same entity
        assert activity["recipients"], where
        for key in activity["recipients"]:
            recipient = client.get(f"/api/recipients/{recipients[key]['id']}").json()
            assert recipient["entity"] == entity["id"] and recipient["status"] == "active", (where, key)
        # (e) transfers
        assert activity["transfers"], where
        for key in activity["transfers"]:
            assert transfers[key]["mechanism"] and transfers[key]["entity"] == entity["id"], (where, key)
        # (f) time limits for erasure
        assert activity["retention"], where
        for key in activity["retention"]:
            rule = retention[key]
            assert rule["entity"] == entity["id"], (where, key)
            assert rule["duration"] or rule["criterion"] or rule["trigger_event"], (where, key)
        # (g) security measures, described on the activity or generically for the entity
        security = activity["security"] or {}
        assert security.get("description") or security.get("measures") or entity["security_statement"], where


def test_every_reference_of_the_demo_resolves(demo):
    """The demo cites only its own documents and references only records of the same entity."""
    references = {"recipients": "recipients", "transfers": "transfers", "retention-rules": "retention"}
    for entity_key in ENTITIES:
        documents = {d["key"] for d in demo["entities"][entity_key]["documents"]}
        processors = set(_by_key(demo["processors"][entity_key]))
        for path in ("activities", "recipients", "transfers", "retention-rules", "processors"):
            for record in demo[path][entity_key]:
                assert {s["document"] for s in record["sources"]} <= documents, record["key"]
        for record in demo["activities"][entity_key]:
            for target, field in references.items():
                assert set(record[field]) <= set(_by_key(demo[target][entity_key])), (record["key"], field)
        for record in demo["recipients"][entity_key]:
            assert record["processor"] is None or record["processor"] in processors, record["key"]


def test_dk_relies_on_privacy_shield_and_no_on_the_dpf(demo):
    dk = _by_key(demo["transfers"]["TECHEM-DK"])
    no = _by_key(demo["transfers"]["TECHEM-NO"])
    assert dk["T-DK-PRIVACY-SHIELD"]["mechanism"] == "privacy_shield"
    assert dk["T-DK-PRIVACY-SHIELD"]["destination_country"] == "US"
    assert "eu_us_dpf" not in {t["mechanism"] for t in dk.values()}
    assert no["T-NO-DPF"]["mechanism"] == "eu_us_dpf"
    assert "privacy_shield" not in {t["mechanism"] for t in no.values()}
    assert all(t["conditional"] for t in [*dk.values(), *no.values()])
    term = items(demo["client"], "vocabularies", vocabulary="transfer_mechanism", q="privacy_shield")[0]
    assert term["labels"]["en"].endswith("(invalid)")


def test_google_analytics_ip_retention_differs_14_against_24_months(demo):
    dk = _by_key(demo["retention-rules"]["TECHEM-DK"])
    no = _by_key(demo["retention-rules"]["TECHEM-NO"])
    assert dk["RET-DK-GA-IP"]["duration"] == "P14M"
    assert no["RET-NO-GA-IP"]["duration"] == "P24M"
    assert dk["RET-DK-GA-IP"]["kind"] == no["RET-NO-GA-IP"]["kind"] == "fixed"
    assert dk["RET-DK-GA-IP"]["recipient"] == "R-DK-GA"


def test_roles_as_claimed(demo):
    assert demo["entities"]["TECHEM-DK"]["role"] == "controller"
    assert demo["entities"]["TECHEM-NO"]["role"] == "processor"
    assert {a["role"] for a in demo["activities"]["TECHEM-NO"]} == {"processor"}
    assert {a["role"] for a in demo["activities"]["TECHEM-DK"]} == {"controller"}


def test_google_analytics_and_hotjar_are_recipients_in_both(demo):
    for entity_key in ENTITIES:
        names = {r["name"] for r in demo["recipients"][entity_key]}
        assert {"Google Analytics", "Hotjar"} <= names, entity_key
        hotjar = next(r for r in demo["recipients"][entity_key] if r["name"] == "Hotjar")
        assert hotjar["kind"] == "processor"
        assert "ip_address" in hotjar["data_categories"]


def test_all_activities_are_drafts(demo):
    activities = [a for k in ENTITIES for a in demo["activities"][k]]
    assert {a["status"] for a in activities} == {"draft"}
    assert len(items(demo["client"], "activities", status="draft")) == len(activities) == 11
    assert items(demo["client"], "activities", status="approved") == []


def test_flaws_are_kept(demo):
    """The seeded flaws the findings engine must find are served as seeded, not repaired."""
    for entity in demo["entities"].values():
        assert entity["dpo"] is None and entity["dpo_decision"] is None
        assert entity["security_statement"].startswith("Generic statement only")
    activities = [a for k in ENTITIES for a in demo["activities"][k]]
    assert all(a["security"] is None for a in activities)
    no6 = _by_key(demo["activities"]["TECHEM-NO"])["PA-NO-06"]
    assert [p["legal_bases"] for p in no6["purposes"]] == [[], []]
    dk_recipients = _by_key(demo["recipients"]["TECHEM-DK"])
    assert dk_recipients["R-DK-GA"]["processor"] == "P-DK-GA"


def test_demo_entities_speak_their_languages(demo):
    dk, no = demo["entities"]["TECHEM-DK"], demo["entities"]["TECHEM-NO"]
    assert (dk["default_language"], no["default_language"]) == ("da", "nb")
    assert dk["address"]["street"] == "Trindsøvej 7 B"
    assert dk["supervisory_authority"]["name"] == no["supervisory_authority"]["name"] == "Datatilsynet"
    assert [e["key"] for e in items(demo["client"], "entities", q="NORGE")] == ["TECHEM-NO"]
    assert [e["key"] for e in items(demo["client"], "entities", q="29416982")] == ["TECHEM-DK"]  # CVR
