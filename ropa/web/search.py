"""Search the activities of the registers the caller may see, as people search: by any word.

An activity matches when every word of the query is found in what describes it: each of its text
fields (nested ones too), the labels in English, Danish and Norwegian of every vocabulary term it
uses (data categories, data subjects, legal bases …), and the recipients, processors (with their
sub-processors) and transfers it names, with their own text and terms. Case and accents of case
do not matter (``str.casefold``). Each hit says where the words were found, as field labels.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import msgspec

from ropa.db import read_snapshot
from ropa.i18n import LANGUAGES, Texts
from ropa.porting.read import load_entity, load_terms
from ropa.vocabulary.schemas import TermData
from ropa.web import reads
from ropa.web.labels import SEGMENT, field_label

LIMIT = 200
QUERY_MAX = 200
Text = tuple[str, str]  # (path, text)


@dataclasses.dataclass
class Hit:
    entity_id: str
    entity_name: str
    activity_id: str
    key: str
    name: str
    status: str
    where: list[str]  # the labels of the fields the words were found in


def words(query: str | None) -> list[str]:
    return [w.casefold() for w in (query or "")[:QUERY_MAX].split()]


def _texts(value: Any, path: str = "") -> Iterator[Text]:
    """Every string of a record (``to_builtins``), with its path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for name, item in value.items():
            yield from _texts(item, f"{path}.{name}" if path else name)
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _texts(item, f"{path}[{n}]")


class Index:
    """The words of one entity's activities, with the labels of the terms they use."""

    def __init__(self, terms: list[TermData]) -> None:
        self.labels: dict[str, list[str]] = {}
        for term in terms:
            found = self.labels.setdefault(term.key, [])
            found += [str(getattr(term.labels, lang)) for lang in LANGUAGES]

    def expand(self, texts: Iterator[Text]) -> Iterator[Text]:
        """Each text, and for a vocabulary key the term's labels in every language."""
        for path, text in texts:
            yield path, text
            for label in self.labels.get(text, []):
                yield path, label

    def of_activity(self, entity: Any, activity: Any) -> list[Text]:
        found = list(self.expand(_texts(msgspec.to_builtins(activity))))
        recipients = {r.key: r for r in entity.recipients}
        processors = {p.key: p for p in entity.processors}
        transfers = {x.key: x for x in entity.transfers}
        named: list[tuple[str, Any]] = []

        def add_processor(key: str | None) -> None:
            if key and key in processors and all(p.key != key for _, p in named):
                named.append(("processors", processors[key]))
                for sub in processors[key].sub_processors:
                    add_processor(sub)

        for key in activity.recipients:
            if key in recipients:
                named.append(("recipients", recipients[key]))
                add_processor(recipients[key].processor)
        named += [("transfers", transfers[k]) for k in activity.transfers if k in transfers]
        for field, record in named:
            body = {k: v for k, v in msgspec.to_builtins(record).items() if k not in ("id", "sources")}
            found += [(field, text) for _, text in self.expand(_texts(body))]
        return found


def match(texts: list[Text], query: list[str]) -> list[str] | None:
    """The paths where the words were found, if every word was; None if one was not."""
    where: list[str] = []
    folded = [(path, text.casefold()) for path, text in texts]
    for word in query:
        paths = [path for path, text in folded if word in text]
        if not paths:
            return None
        where += [p for p in paths if p not in where]
    return where


def _where(t: Texts, paths: list[str]) -> list[str]:
    """The fields (top level: "Categories of personal data", not each item's path) words were found in."""
    shown: list[str] = []
    for path in paths:
        label = field_label(t, SEGMENT.findall(path)[0][0]) if path else ""
        if label and label not in shown:
            shown.append(label)
    return shown[:6]


async def search(query: str | None, t: Texts, entity: str | None = None) -> tuple[list[Hit], bool]:
    """Activities matching every word of ``query``, in the entities the caller may see (or ``entity``
    alone), key order per entity; the second value says the list stops at ``LIMIT``."""
    wanted = words(query)
    if not wanted:
        return [], False
    hits: list[Hit] = []
    async with read_snapshot():
        summaries = [e for e in await reads.entities() if entity is None or str(e.id) == entity]
        index = Index(await load_terms())
        for summary in summaries:
            loaded = (await load_entity(str(summary.id))).entity
            for activity in sorted(loaded.activities, key=lambda a: a.key):
                where = match(index.of_activity(loaded, activity), wanted)
                if where is None:
                    continue
                if len(hits) == LIMIT:
                    return hits, True
                hits.append(
                    Hit(
                        str(summary.id),
                        loaded.legal_name,
                        activity.id or "",
                        activity.key,
                        activity.name,
                        activity.status,
                        _where(t, where),
                    )
                )
    return hits, False
