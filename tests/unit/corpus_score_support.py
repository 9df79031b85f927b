"""The corpus scored: expected findings raised, false flags, per notice and per rule; the table of
docs/findings.md."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ropa.rules.model import Finding
from tests.unit.corpus_support import RULE_SEVERITY, Item, expected, findings, items, slugs


@dataclass
class Score:
    slug: str
    expected: list[Item]
    hit: list[Item]
    false_flags: list[Finding]  # raised though listed as must-not, or high/medium and not expected
    known: list[Finding]  # those of the false flags the notice's known_false_positives list
    unused_known: list[Item]  # known false positives the engine no longer raises
    per_rule: dict[str, Counter[str]] = field(default_factory=dict)

    @property
    def existing(self) -> list[Item]:
        return [i for i in self.expected if i.existing]

    def recall(self, existing_only: bool) -> float:
        """Expected findings raised, over those an existing rule covers or over all (proposed ones too)."""
        pool = self.existing if existing_only else self.expected
        return len(self.hit) / len(pool) if pool else 1.0


def score(slug: str) -> Score:
    exp = expected(slug)
    raised = findings(slug)
    wanted = items(exp.expected)
    forbidden = items(exp.must_not)
    known = items(exp.known_false_positives)
    hit = [i for i in wanted if i.existing and any(i.matches(f) for f in raised)]
    flags = [
        f
        for f in raised
        if any(i.matches(f) for i in forbidden)
        or (f.severity in ("high", "medium") and not any(i.existing and i.matches(f) for i in wanted))
    ]
    allowed = [f for f in flags if any(i.matches(f) for i in known)]
    unused = [i for i in known if not any(i.matches(f) for f in flags)]
    per_rule: dict[str, Counter[str]] = {}
    for i in wanted:
        c = per_rule.setdefault(i.rule, Counter())
        c["expected"] += 1
        c["existing"] += i.existing
        c["hit"] += i in hit
    for f in flags:
        c = per_rule.setdefault(f.rule_id, Counter())
        c["false"] += 1
        c["known"] += f in allowed
    return Score(slug, wanted, hit, flags, allowed, unused, per_rule)


def scores() -> list[Score]:
    return [score(s) for s in slugs()]


def _pct(n: int, d: int) -> str:
    return f"{n}/{d} ({100 * n / d:.0f}%)" if d else "-"


def table(all_scores: list[Score]) -> str:
    """The score table of docs/findings.md, "Scored on real notices"."""
    lines = [
        "| notice | expected (of them by an existing rule) | recall, existing rules | recall, all expected "
        "| false flags (of them known) |",
        "|---|---:|---:|---:|---:|",
    ]
    tot: Counter[str] = Counter()
    for s in all_scores:
        hits, ex, al = len(s.hit), len(s.existing), len(s.expected)
        lines.append(
            f"| {s.slug} | {al} ({ex}) | {_pct(hits, ex)} | {_pct(hits, al)} "
            f"| {len(s.false_flags)} ({len(s.known)}) |"
        )
        tot.update(hit=hits, existing=ex, all=al, false=len(s.false_flags), known=len(s.known))
    lines.append(
        f"| **total** | {tot['all']} ({tot['existing']}) | {_pct(tot['hit'], tot['existing'])} "
        f"| {_pct(tot['hit'], tot['all'])} | {tot['false']} ({tot['known']}) |"
    )
    lines += [
        "",
        "| rule | severity | expected | expected and raised | false flags (of them known) |",
        "|---|---|---:|---:|---:|",
    ]
    rules: dict[str, Counter[str]] = {}
    for s in all_scores:
        for rule, c in s.per_rule.items():
            rules.setdefault(rule, Counter()).update(c)
    for rule in sorted(rules, key=lambda r: (r not in RULE_SEVERITY, r)):
        c = rules[rule]
        if rule in RULE_SEVERITY:
            name, severity, raised = f"`{rule}`", RULE_SEVERITY[rule], str(c["hit"])
            false = f"{c['false']} ({c['known']})"
        else:
            name, severity, raised, false = f"`{rule}` (proposed)", _proposed_severity(rule), "-", "-"
        lines.append(f"| {name} | {severity} | {c['expected']} | {raised} | {false} |")
    return "\n".join(lines)


def _proposed_severity(rule: str) -> str:
    found = {e.severity for s in slugs() for e in expected(s).expected if e.proposed == rule}
    return "/".join(sorted(x for x in found if x))
