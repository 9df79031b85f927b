"""What the access tests share besides the ``secured`` fixture (in ``tests/integration/conftest.py``).

That fixture is an app with access control switched on and one API token per role (some scoped
to one entity); ``Secured`` is what it yields.
"""

from __future__ import annotations

import dataclasses
from typing import Any

PASSWORD = "correct horse battery staple"


@dataclasses.dataclass
class Secured:
    client: Any
    tokens: dict[str, str]
    ids: dict[str, str]

    def as_(self, role: str) -> dict[str, str]:
        return {"authorization": f"Bearer {self.tokens[role]}"} if role != "anonymous" else {}
