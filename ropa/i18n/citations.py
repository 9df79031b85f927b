"""Articles of the GDPR and legal acts of the Commission, cited in the export's language.

One formatter for every place an export cites an article (``cite``) and one for the titles of the
Commission's decisions in the transfer reference data (``legal_act``): an export in Danish cites
"art. 30, stk. 1, litra b" and "Kommissionens gennemførelsesafgørelse (EU) 2016/1250 af 12. juli
2016", one in Norwegian "artikkel 30 nr. 1 bokstav b" and "Kommisjonens gjennomføringsbeslutning
(EU) 2016/1250 av 12. juli 2016", one in French "article 30, paragraphe 1, point b)" and "Décision
d'exécution (UE) 2016/1250 de la Commission du 12 juillet 2016", the styles of the regulation's
official Danish, Norwegian and French texts.
A text these formatters cannot read is shown as written. Here, below the records, so that the
exports and the rules can both use them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from ropa.i18n import ExportLang as Lang

# "30(1)(b)", "46(2)(c)", "12-22", "49(1) second subparagraph", "9(1)"
_ARTICLE = re.compile(
    r"^(?:art(?:icle|\.)?\s*)?(?P<number>\d+[a-z]?)(?:\s*[-–]\s*(?P<to>\d+))?"
    r"(?:\((?P<para>\d+)\))?(?:\((?P<point>[a-z])\))?"
    r"(?:\s+(?P<sub>first|second|third) subparagraph)?$",
    re.IGNORECASE,
)
_SUBPARAGRAPH: dict[str, dict[str, str]] = {
    "da": {"first": "første afsnit", "second": "andet afsnit", "third": "tredje afsnit"},
    "nb": {"first": "første ledd", "second": "annet ledd", "third": "tredje ledd"},
    "fr": {"first": "premier alinéa", "second": "deuxième alinéa", "third": "troisième alinéa"},
}


def _one(article: str, lang: Lang, bare: bool) -> str | None:
    found = _ARTICLE.match(article.strip())
    if found is None:
        return None
    number, to, para, point, sub = found.group("number", "to", "para", "point", "sub")
    if lang == "en":
        text = f"{number}–{to}" if to else number
        text += (f"({para})" if para else "") + (f"({point})" if point else "")
        text += f", {sub} subparagraph" if sub else ""
        prefix = "Art. "
    elif lang == "da":
        parts = [f"{number}-{to}" if to else number]
        parts += [f"stk. {para}"] if para else []
        parts += [f"litra {point}"] if point else []
        parts += [_SUBPARAGRAPH["da"][sub.lower()]] if sub else []
        text, prefix = ", ".join(parts), "art. "
    elif lang == "fr":  # "article 30, paragraphe 1, point b)", "articles 12 à 22"
        parts = [f"{number} à {to}" if to else number]
        parts += [f"paragraphe {para}"] if para else []
        parts += [f"point {point})"] if point else []
        parts += [_SUBPARAGRAPH["fr"][sub.lower()]] if sub else []
        text, prefix = ", ".join(parts), ("articles " if to else "article ")
    else:
        parts = [f"{number}–{to}" if to else number]
        parts += [f"nr. {para}"] if para else []
        parts += [f"bokstav {point}"] if point else []
        parts += [_SUBPARAGRAPH["nb"][sub.lower()]] if sub else []
        text, prefix = " ".join(parts), "artikkel "
    return text if bare else prefix + text


def cite(articles: str | None, lang: Lang, bare: bool = False) -> str:
    """``articles`` ("30(1)(e), 30(2)(c), 46, 49", as the fields and the reference data write them)
    in the national style of ``lang``; ``bare`` leaves out the leading word ("art.", "artikkel"), for
    a template that writes it. Several articles are joined by "; ". Unreadable text is kept as is."""
    if not articles:
        return ""
    pieces = [p for p in (s.strip() for s in articles.split(",")) if p]
    cited = [_one(p, lang, bare or i > 0 and lang == "en") for i, p in enumerate(pieces)]
    if any(c is None for c in cited):
        return articles
    if lang == "en":
        return ", ".join(c or "" for c in cited)
    return "; ".join(c or "" for c in cited)


# --- Legal acts ------------------------------------------------------------------------------------

_MONTHS = {m: n for n, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}  # fmt: skip
_DATE = r"(?P<day>\d{1,2}) (?P<month>[A-Z][a-z]+) (?P<year>\d{4})"
_ACT = re.compile(
    r"^Commission (?P<implementing>Implementing )?Decision "
    r"(?P<number>(?:\(EU\) )?\d{4}/\d+(?:/(?:EC|EU|EEC))?)"
    rf"(?: of {_DATE})?(?:, renewed on (?P<renewed>\d{{1,2}} [A-Z][a-z]+ \d{{4}}))?$"
)
_ACTS = re.compile(r"^Commission Decisions (?P<numbers>.+)$")
_NUMBER = re.compile(r"(?:\(EU\) )?(?P<year>\d{4})/\d+(?:/(?:EC|EU|EEC))?")
# The Treaty of Lisbon (1 December 2009) renamed the Commission's decisions in Danish: a decision
# before it is a "beslutning" (2000/520/EF), after it an "afgørelse" (2010/87/EU).
_LISBON_YEAR = 2010


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    day, month, year = text.split()
    month_number = _MONTHS.get(month.lower())
    return dt.date(int(year), month_number, int(day)) if month_number else None


def _number(number: str, lang: Lang) -> str:
    """The act's number; the EC of an earlier decision is EF in Danish and Norwegian, CE in French
    (and the EU of a later one UE)."""
    if lang == "fr":
        number = re.sub(r"/EC$", "/CE", number)
        return re.sub(r"/EU$", "/UE", number.replace("(EU)", "(UE)"))
    return number if lang == "en" else re.sub(r"/EC$", "/EF", number)


def _kind(number: str, implementing: bool, lang: Lang) -> str:
    found = _NUMBER.match(number)
    year = int(found["year"]) if found else _LISBON_YEAR
    if lang == "da":
        if implementing:
            return "Kommissionens gennemførelsesafgørelse"
        return "Kommissionens afgørelse" if year >= _LISBON_YEAR else "Kommissionens beslutning"
    if lang == "nb":
        return "Kommisjonens gjennomføringsbeslutning" if implementing else "Kommisjonens beslutning"
    if lang == "fr":
        return "Décision d'exécution" if implementing else "Décision"
    return "Commission Implementing Decision" if implementing else "Commission Decision"


def legal_act(text: str | None, lang: Lang, date: Callable[[dt.date], str]) -> str:
    """A Commission decision of the reference data ("Commission Implementing Decision (EU) 2016/1250
    of 12 July 2016") titled in ``lang``, its dates written by ``date`` (the export's Babel format).
    A text of another shape is kept as written."""
    if not text or lang == "en":
        return text or ""
    if lang == "fr":
        return _legal_act_fr(text, date)
    act = _act(text)
    if act is not None:
        number, implementing, adopted, renewed = act
        title = f"{_kind(number, implementing, lang)} {_number(number, lang)}"
        if adopted is not None:
            title += (" af " if lang == "da" else " av ") + date(adopted)
        if renewed is not None:
            title += (", fornyet den " if lang == "da" else ", fornyet ") + date(renewed)
        return title
    numbers = _acts(text)
    if numbers:
        titled = [f"{_kind(n, False, lang)} {_number(n, lang)}" for n in numbers]
        last = " og "
        return ", ".join(titled[:-1]) + last + titled[-1] if len(titled) > 1 else titled[0]
    return text


def _act(text: str) -> tuple[str, bool, dt.date | None, dt.date | None] | None:
    """One decision's number, whether it is an implementing decision, its adoption and renewal dates."""
    found = _ACT.match(text.strip())
    if found is None:
        return None
    adopted = _date(" ".join(found.group("day", "month", "year"))) if found["day"] else None
    return found["number"], bool(found["implementing"]), adopted, _date(found["renewed"])


def _acts(text: str) -> list[str]:
    """The numbers of several decisions named together ("Decisions 2001/497/EC and 2004/915/EC")."""
    several = _ACTS.match(text.strip())
    if several is None:
        return []
    numbers = [n.strip() for n in re.split(r",| and ", several["numbers"]) if n.strip()]
    return numbers if numbers and all(_NUMBER.fullmatch(n) for n in numbers) else []


def _legal_act_fr(text: str, date: Callable[[dt.date], str]) -> str:
    """The French title: "Décision d'exécution (UE) 2023/1795 de la Commission du 10 juillet 2023"
    (the Official Journal's French word order, the Commission after the number)."""
    act = _act(text)
    if act is not None:
        number, implementing, adopted, renewed = act
        title = f"{_kind(number, implementing, 'fr')} {_number(number, 'fr')} de la Commission"
        if adopted is not None:
            title += " du " + date(adopted)
        if renewed is not None:
            title += ", renouvelée le " + date(renewed)
        return title
    numbers = _acts(text)
    if numbers:
        shown = [_number(n, "fr") for n in numbers]
        listed = ", ".join(shown[:-1]) + " et " + shown[-1] if len(shown) > 1 else shown[0]
        return ("Décisions " if len(shown) > 1 else "Décision ") + listed + " de la Commission"
    return text
