"""Cell text to vocabulary terms: a term matches where one of its labels (in the template's language,
or the template's own wording of it) equals the text, with or without the label's bracketed citation."""

from __future__ import annotations

import functools
import re

from babel import Locale

from ropa.porting.templates.spec import Template, norm
from ropa.vocabulary.services import builtin_terms

# "Art. 6(1)(a)", "art. 6, stk. 1, litra a", "artikkel 6 nr. 1 bokstav a", "article 6.1.a".
_ARTICLE = (
    r"\b{n}\s*(?:\(|,|\.|\s)\s*(?:stk\.|nr\.|paragraphe|§)?\s*{p}\s*\)?\s*(?:,|\.)?\s*"
    r"(?:\(|litra|bokstav|point)?\s*([a-j])\b"
)


def split_items(text: str) -> list[str]:
    """The items of a list cell: one a line, or separated by ';' or ','; bullets dropped."""
    parts = [p for line in re.split(r"[\n;]+", text) for p in _outside_brackets(line)]
    items = [re.sub(r"^[\s\-•*·–]+", "", p).strip().rstrip(".") for p in parts]
    return [i for i in items if i]


def _outside_brackets(line: str) -> list[str]:
    """``line`` split at its commas, except those in brackets ("Device information (computer, mobile)")."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(line):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth <= 0:
            parts.append(line[start:index])
            start = index + 1
    return [*parts, line[start:]]


@functools.cache
def _labels(vocabulary: str, language: str) -> dict[str, str]:
    full: dict[str, str] = {}
    bare: dict[str, set[str]] = {}
    for term in builtin_terms():
        if term.vocabulary != vocabulary or term.deprecated:
            continue
        # A term without a label in the template's language (French, in a custom term) has its English one.
        label = getattr(term.labels, language, None) or term.labels.en
        full.setdefault(norm(label), term.key)
        short = re.sub(r"\s*\((?:[^()]|\([^()]*\))*\)\s*$", "", label)  # "Consent (Art. 6(1)(a))"
        bare.setdefault(norm(short), set()).add(term.key)
    # A label without its brackets that two terms share names neither ("Standard contractual clauses"
    # is the 2021 set and the set not stated): the cell is reported, never given the likelier one.
    return {**{k: next(iter(v)) for k, v in bare.items() if len(v) == 1}, **full}


def term(template: Template, vocabulary: str, text: str) -> str | None:
    """The key of the term ``text`` names in ``vocabulary``, or None."""
    wanted = norm(text)
    own = {norm(k): v for k, v in template.terms.get(vocabulary, {}).items()}
    if wanted in own:
        return own[wanted]
    key = _labels(vocabulary, template.language).get(wanted)
    if key is None and vocabulary in ("legal_basis", "special_condition"):
        key = _article(vocabulary, text)
    return key


def _article(vocabulary: str, text: str) -> str | None:
    n, p = ("6", "1") if vocabulary == "legal_basis" else ("9", "2")
    match = re.search(_ARTICLE.format(n=n, p=p), text.casefold())
    letters = "abcdef" if n == "6" else "abcdefghij"
    if match and match.group(1) in letters:
        return f"art{n}_{p}_{match.group(1)}"
    return None


@functools.cache
def _countries(language: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for lang in dict.fromkeys([language, "en"]):
        for code, name in Locale.parse(lang).territories.items():
            if len(code) == 2 and code.isalpha() and code not in ("EU", "EZ", "UN", "ZZ", "QO", "XA", "XB"):
                found.setdefault(norm(name), code)
    return found


def country(template: Template, text: str) -> str | None:
    """The ISO 3166-1 code of a country named in the template's language (or English), or a code."""
    if re.fullmatch(r"[A-Z]{2}", text.strip()) and text.strip() in _countries("en").values():
        return text.strip()
    return _countries(template.language).get(norm(text))
