"""Retired records in the browser: listed apart, opened to be reactivated with a reason, refused while
they name records that are retired; and the one error summary of the record and entity forms."""

from __future__ import annotations

import html
import re
from typing import Any

from tests.integration.web.web_support import parse_form


def _api_create(w: Any, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    response = w.client.post(f"/api/{kind}", json=body, headers={"x-csrf-token": w.csrf})
    assert response.status_code == 201, response.text
    return response.json()


def _retire(w: Any, dk: str, slug: str, record: dict[str, Any]) -> None:
    path = f"/entities/{dk}/{slug}/{record['key']}/retire"
    response = w.post(path, {"version": str(record["version"]), "reason": "gone"}, follow_redirects=False)
    assert response.status_code == 303, response.text


def _summary_links_resolve(page: str) -> list[str]:
    """The summary's links; each must reach a control of the page (the one anchor rule)."""
    summary = page.split('id="problems"')[1].split("</div>")[0]
    targets = re.findall(r'href="#([^"]+)"', summary)
    assert targets, summary
    for target in targets:
        assert f'id="{target}"' in page, target
    return targets


def test_a_retired_transfer_comes_back_once_its_recipient_is_back(web: Any) -> None:
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    recipient = _api_create(
        web, "recipients", {"entity": dk, "key": "RC-BACK", "name": "Back", "kind": "processor"}
    )
    transfer = _api_create(
        web,
        "transfers",
        {"entity": dk, "key": "TR-BACK", "name": "To Back", "mechanism": "scc_2021", "recipient": "RC-BACK"},
    )
    _retire(web, dk, "transfers", transfer)
    _retire(web, dk, "recipients", recipient)
    listing = web.get(f"/entities/{dk}/transfers").text
    edit = f"/entities/{dk}/transfers/TR-BACK/edit"
    assert "Retired records" in listing and f'href="{edit}"' in listing
    page = html.unescape(web.get(edit + "?lang=da").text)
    assert "Denne post er udfaset." in page and "Genaktivér denne post" in page
    assert f'action="/entities/{dk}/transfers/{transfer["id"]}/reactivate"' in page
    assert "/retire" not in page and ">Gem<" not in page  # frozen: no save, no retire
    reactivate = f"/entities/{dk}/transfers/TR-BACK/reactivate"
    form = {"version": str(transfer["version"] + 1), "reason": "signed again"}
    refused = web.post(reactivate + "?lang=en", form)
    assert refused.status_code == 422
    assert "Not reactivated: it names records that are retired" in refused.text
    assert 'id="err-f-recipient"' in refused.text and "f-recipient" in _summary_links_resolve(refused.text)
    assert web.get(f"/api/transfers/{transfer['id']}").json()["status"] == "retired"
    # The recipient first (from the processors page), then the transfer.
    assert f'href="/entities/{dk}/recipients/RC-BACK/edit"' in web.get(f"/entities/{dk}/processors").text
    back = web.post(
        f"/entities/{dk}/recipients/RC-BACK/reactivate",
        {"version": str(recipient["version"] + 1), "reason": "signed again"},
        follow_redirects=False,
    )
    assert (
        back.status_code == 303
        and back.headers["location"] == f"/entities/{dk}/processors?reactivated=RC-BACK"
    )
    assert "Reactivated RC-BACK." in web.get(back.headers["location"] + "&lang=en").text
    done = web.post(reactivate, form, follow_redirects=False)
    assert done.status_code == 303, done.text
    stored = web.get(f"/api/transfers/{transfer['id']}").json()
    assert stored["status"] == "active" and stored["recipient"] == "RC-BACK"
    assert 'href="/entities/{dk}/transfers/TR-BACK/edit"' not in web.get(f"/entities/{dk}/transfers").text
    web.sign_in("auditor")
    events = web.get("/api/audit/events", params={"record_id": transfer["id"]}).json()["items"]
    assert [e["action"] for e in events][-2:] == ["transfer.retire", "transfer.reactivate"]
    assert events[-1]["reason"] == "signed again"


def test_a_reactivation_without_a_reason_changes_nothing(web: Any) -> None:
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    processor = _api_create(web, "processors", {"entity": dk, "key": "P-NOREASON", "name": "No reason"})
    _retire(web, dk, "processors", processor)
    path = f"/entities/{dk}/processors/P-NOREASON/reactivate"
    refused = web.post(path + "?lang=nb", {"version": str(processor["version"] + 1), "reason": ""})
    assert refused.status_code == 422 and "Ikke reaktivert: oppgi en begrunnelse." in html.unescape(
        refused.text
    )
    assert web.get(f"/api/processors/{processor['id']}").json()["status"] == "retired"
    web.sign_in("auditor")
    assert web.post(path, {"version": "2", "reason": "x"}).status_code == 403


def test_record_and_entity_forms_share_one_summary_whose_links_reach_their_fields(web: Any) -> None:
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    page = web.get(f"/entities/{dk}/retention/RET-DK-GENERAL/edit").text
    form = {
        k: v for k, v in parse_form(page.split("<main")[1].split("</form>")[0]).items() if k != "csrf_token"
    }
    path = f"/entities/{dk}/retention/RET-DK-GENERAL/edit"
    response = web.post(path, form | {"data_categories": ["no-such-category"]})
    assert response.status_code == 422 and _summary_links_resolve(response.text) == ["f-data_categories"]
    response = web.post(path, form | {"policy_link": "ftp://x"})
    assert response.status_code == 422 and _summary_links_resolve(response.text) == ["f-policy_link"]
    assert "Not saved. Correct the fields marked below." in response.text
    entity = web.get(f"/entities/{dk}/edit").text
    form = {
        k: v for k, v in parse_form(entity.split("<main")[1].split("</form>")[0]).items() if k != "csrf_token"
    }
    response = web.post(f"/entities/{dk}/edit", form | {"representative.email": "x@rep.example"})
    assert response.status_code == 422
    targets = _summary_links_resolve(response.text)
    assert targets == ["f-representative-name"]  # a part's field: its dots as dashes
