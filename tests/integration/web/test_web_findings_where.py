"""Findings where the work is: on each record's own page, counted and filtered in the register,
grouped by record on the findings page, and every page in the reader's language: labels, never
vocabulary keys, field names or JSON paths (the history and the audit diffs included)."""

from __future__ import annotations

import html
import re
from collections import Counter
from typing import Any

from tests.integration.audit.support import integrate, sql
from tests.integration.web.web_support import Web

# Words a Danish or Norwegian reader must never see: vocabulary keys, field names, paths.
RAW = (
    "navigation_behaviour",
    "eu_us_dpf",
    "privacy_shield",
    "lia_reference",
    "last_reviewed_at",
    "purposes[0]",
)


def visible(page: str) -> str:
    """The text a person reads: no tags, attributes, scripts or styles."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _findings(w: Web, **params: Any) -> list[dict[str, Any]]:
    got = w.get("/api/findings", params={"entity": "TECHEM-DK", **params})
    assert got.status_code == 200, got.text
    return got.json()


def _activities(w: Web) -> dict[str, str]:
    items = w.get("/api/activities", params={"entity": "TECHEM-DK", "limit": 500}).json()["items"]
    return {a["key"]: a["id"] for a in items}


def test_an_activity_page_shows_its_own_findings_in_danish(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    findings = _findings(web)
    on_activities = Counter(
        f["finding"]["record_key"] for f in findings if f["finding"]["record_kind"] == "activity"
    )
    key, _ = on_activities.most_common(1)[0]
    page = web.get(f"/entities/{dk}/activities/{_activities(web)[key]}", params={"lang": "da"})
    assert page.status_code == 200
    section = re.search(r'<section aria-labelledby="findings-title".*?</section>', page.text, re.S)[0]  # type: ignore[index]
    text = visible(section)
    own = [
        f for f in findings if f["finding"]["record_kind"] == "activity" and f["finding"]["record_key"] == key
    ]
    assert "Fund" in text and section.count('<li class="finding') == len(own)
    for item in own:
        finding = item["finding"]
        assert finding["message"]["da"] in text and finding["remediation"]["da"] in text
        assert finding["message"]["en"] not in text
        # The rule id on a small line of its own, under the message; the status in Danish.
        assert f"Regel <code>{finding['rule_id']}</code>" in section
        assert {"open": "Åben", "accepted": "Accepteret"}[item["status"]] in text
        if finding["field"]:  # its label, not its path (the rule's id on its line may hold the word)
            assert finding["field"] not in visible(
                re.sub(r'<p class="rule-line">.*?</p>', "", section, flags=re.S)
            )
    others = [f for f in findings if f["finding"]["record_key"] not in (key, None)]
    assert all(
        f"<code>{f['finding']['rule_id']}</code>" not in section
        for f in others
        if f["finding"]["rule_id"] not in {o["finding"]["rule_id"] for o in own}
    )


def test_the_transfers_and_processors_pages_show_each_records_findings(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    findings = _findings(web)
    page = web.get(f"/entities/{dk}/transfers", params={"lang": "da"}).text
    for item in (f for f in findings if f["finding"]["record_kind"] == "transfer"):
        finding = item["finding"]
        row = re.search(rf'<tr id="x-{re.escape(finding["record_key"])}">.*?</tr>', page, re.S)[0]  # type: ignore[index]
        assert finding["message"]["da"] in visible(row), finding["rule_id"]
    shield = re.search(r'<tr id="x-T-DK-PRIVACY-SHIELD">.*?</tr>', page, re.S)[0]  # type: ignore[index]
    assert "Høj" in visible(shield) and "transfer.invalid_mechanism" in shield
    processors = web.get(f"/entities/{dk}/processors", params={"lang": "da"}).text
    for item in (f for f in findings if f["finding"]["record_kind"] in ("processor", "recipient")):
        finding = item["finding"]
        prefix = "p" if finding["record_kind"] == "processor" else "r"
        row = re.search(rf'<tr id="{prefix}-{re.escape(finding["record_key"])}">.*?</tr>', processors, re.S)
        assert row and finding["message"]["da"] in visible(row[0]), finding["rule_id"]
    # A regulator reads the register but not the findings (the findings API is closed to it too).
    web.sign_in("regulator_dk")
    assert "transfer.invalid_mechanism" not in web.get(f"/entities/{dk}/transfers").text


def test_the_register_counts_open_findings_and_filters_by_severity_without_javascript(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    high = {
        f["finding"]["record_key"]
        for f in _findings(web, severity="high", status="open")
        if f["finding"]["record_kind"] == "activity"
    }
    assert high, "the demo has activities with high findings"
    everything = web.get(f"/entities/{dk}", params={"lang": "da"}).text
    assert "Åbne fund" in everything and '<select id="severity" name="severity">' in everything
    filtered = web.get(f"/entities/{dk}", params={"severity": "high", "lang": "da"})
    assert filtered.status_code == 200
    listed = set(re.findall(r"<td><code>([^<]+)</code></td>", filtered.text))
    assert listed == high
    assert '<option value="high" selected>' in filtered.text
    for key in high:
        row = re.search(rf"<td><code>{re.escape(key)}</code></td>.*?</tr>", filtered.text, re.S)[0]  # type: ignore[index]
        count = sum(
            1
            for f in _findings(web, severity="high", status="open")
            if f["finding"]["record_kind"] == "activity" and f["finding"]["record_key"] == key
        )
        assert f"{count} Høj" in visible(row)
    all_keys = set(re.findall(r"<td><code>([^<]+)</code></td>", everything))
    assert high < all_keys  # the filter left some out


def test_the_findings_page_groups_findings_by_record(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    findings = _findings(web)
    page = web.get(f"/entities/{dk}/findings", params={"lang": "nb"}).text
    groups = re.findall(r'<tbody id="record-([a-z_]+)-([^"]*)">(.*?)</tbody>', page, re.S)
    expected = Counter((f["finding"]["record_kind"], f["finding"]["record_key"] or "") for f in findings)
    assert Counter({(kind, key): body.count('<tr id="finding-') for kind, key, body in groups}) == expected
    for kind, key, body in groups:
        assert set(re.findall(r'data-record="([^"]*)"', body)) == {key}
    shield = next(body for kind, key, body in groups if key == "T-DK-PRIVACY-SHIELD")
    assert "Overføring" in visible(shield) and "Regel" in visible(shield)


def _put(
    w: Web, path: str, record: dict[str, Any], drop: tuple[str, ...] = (), **changes: Any
) -> dict[str, Any]:
    drop = ("id", "entity", "created_at", "updated_at", *drop)
    body = {k: v for k, v in record.items() if k not in drop} | changes
    saved = w.client.put(path, json=body, headers={"x-csrf-token": w.csrf})
    assert saved.status_code == 200, saved.text
    return dict(saved.json())


def test_history_and_audit_diffs_show_labels_in_danish_never_keys_or_paths(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    # A transfer moved from the Privacy Shield to the Data Privacy Framework.
    transfers = web.get("/api/transfers", params={"entity": dk, "limit": 500}).json()["items"]
    shield = next(x for x in transfers if x["key"] == "T-DK-PRIVACY-SHIELD")
    record = web.get(f"/api/transfers/{shield['id']}").json()
    _put(web, f"/api/transfers/{shield['id']}", record, ("status",), mechanism="eu_us_dpf")
    # An activity's purpose gets a balancing test reference, and it is marked reviewed.
    activity_id = _activities(web)["PA-DK-04"]
    record = web.get(f"/api/activities/{activity_id}").json()
    purposes = [dict(p) for p in record["purposes"]]
    purposes[0]["lia_reference"] = "LIA-2025-07"
    categories = [c for c in record["data_categories"] if c["category"] != "navigation_behaviour"]
    _put(
        web,
        f"/api/activities/{activity_id}",
        record,
        purposes=purposes,
        data_categories=categories,
        last_reviewed_at="2025-06-30",
    )
    integrate()
    pages = {
        "entity history": web.get(f"/entities/{dk}/history", params={"lang": "da"}).text,
        "activity history": web.get(
            f"/entities/{dk}/activities/{activity_id}/history", params={"lang": "da"}
        ).text,
    }
    web.sign_in("auditor")
    seqs = sql(
        "SELECT l.seq FROM audit_leaf l JOIN audit_event e ON e.event_id = l.event_id "
        "WHERE e.action IN ('transfer.update', 'activity.update') ORDER BY l.seq"
    )
    assert len(seqs) == 2
    for row in seqs:
        pages[f"entry {row['seq']}"] = web.get(f"/audit/events/{row['seq']}", params={"lang": "da"}).text
    pages["audit log"] = web.get("/audit", params={"lang": "da", "record_type": "transfer"}).text
    for name, page in pages.items():
        text = visible(page)
        for raw in RAW:
            assert raw not in text, (name, raw)
    history = visible(pages["activity history"])
    assert "Reference til interesseafvejningen" in history and "LIA-2025-07" in history
    assert "Senest gennemgået" in history and "Navigation og adfærd" in history
    entry = visible(pages[f"entry {seqs[0]['seq']}"] + pages[f"entry {seqs[1]['seq']}"])
    assert "EU-U.S. Data Privacy Framework (databeskyttelsesrammen for EU og USA)" in entry
