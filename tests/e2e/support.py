"""What several end-to-end tests share: activities of an entity, read through the API in the browser."""

from __future__ import annotations

from typing import Any


def activities(page: Any, entity_key: str) -> list[dict[str, Any]]:
    """The entity's activities in key order, as the signed-in user's API sees them."""
    response = page.request.get(f"/api/activities?entity={entity_key}&limit=500")
    assert response.ok, response.text()
    return sorted(response.json()["items"], key=lambda a: a["key"])
