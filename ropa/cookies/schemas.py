"""Schema of a cookie or similar technology: what is stored on or read from the user's device, by whom,
for what and how long, in which consent category, and the activities it serves.

How consent is asked (banner with opt-in, browser settings, continued use ...) is not repeated here: it is
the ``consent`` of the activities the cookie serves (``ActivityData.consent``, recorded apart from their
Art. 6 bases), so one consent record answers for every cookie of an activity and the two never disagree.
"""

from typing import Annotated, Literal

import isodate
from msgspec import Meta

from ropa.constraints import KEY_PATTERN, Key, LongText, Name, ProcessorRef, RecipientRef, ShortText
from ropa.records.parts import Sourced

# Keys of activities of the same entity (the resolver checks they exist and are not retired).
ActivityRef = Annotated[
    str,
    Meta(pattern=KEY_PATTERN, description="Key of an activity of the same entity", extra={"ref": "activity"}),
]
# How long it stays on the device: an ISO 8601 duration (P13M, P1D, PT30M) or "session" (deleted when the
# browser closes); ``checks`` below parses it.
CookieDuration = Annotated[
    str, Meta(min_length=1, max_length=40, description='ISO 8601 duration such as P13M, or "session"')
]
Party = Literal["first", "third"]
# The consent categories of the common cookie banners (IAB/Cookiebot style). Only "necessary" storage is
# exempt from consent (ePrivacy Art. 5(3), second sentence).
ConsentCategory = Literal["necessary", "preferences", "statistics", "marketing"]
Technology = Literal[
    "http_cookie", "local_storage", "session_storage", "pixel", "sdk", "fingerprinting", "other"
]
PurposeClass = Literal[
    "authentication", "security", "load_balancing", "consent_choice", "preferences", "analytics",
    "session_recording", "advertising", "social_media", "other",
]  # fmt: skip


class CookieData(Sourced, kw_only=True):
    key: Key
    name: Name  # as set on the device (_ga); where the document names none, as the document calls it
    name_described: bool = False  # true: the document names no cookie, ``name`` is how it describes it
    party: Party
    # A third party named in the register: the processor or recipient that sets or reads it.
    processor: ProcessorRef | None = None
    recipient: RecipientRef | None = None
    provider: ShortText | None = None  # the provider's name as the document gives it (Google Ireland Ltd.)
    purpose: LongText | None = None
    purpose_class: PurposeClass | None = None
    duration: CookieDuration | None = None
    consent_category: ConsentCategory
    technology: Technology | None = None
    activities: list[ActivityRef] = []


def checks(data: CookieData) -> list[tuple[str, str]]:
    """What msgspec cannot check: the duration parses, and only a third party is named as one."""
    problems = []
    if data.duration and data.duration != "session":
        try:
            parsed = isodate.parse_duration(data.duration)
        except (isodate.ISO8601Error, ValueError, OverflowError):
            problems.append(
                ("duration", f"'{data.duration}' is not an ISO 8601 duration such as P13M, nor 'session'")
            )
        else:
            zero = isodate.Duration() if isinstance(parsed, isodate.Duration) else type(parsed)()
            if parsed == zero:
                problems.append(("duration", "a duration must be longer than zero"))
    if data.party == "first":
        problems += [
            (f, "only a third party is named as one") for f in ("processor", "recipient") if getattr(data, f)
        ]
    return problems
