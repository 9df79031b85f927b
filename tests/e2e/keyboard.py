"""Keyboard reach: real Tab presses from the top of a page to one control, following the in-page links
that lead towards it (Enter, not a Tab), as a person using the keyboard does."""

from __future__ import annotations

from typing import Any

# The main form's primary button: of the forms in <main>, the one with the most controls; its first
# submit button that is not a secondary one.
PRIMARY = """() => {
  const forms = [...document.querySelectorAll('main form')]
    .filter(f => f.querySelector('button[type=submit]:not(.secondary)'));
  if (!forms.length) return null;
  forms.sort((a, b) => b.elements.length - a.elements.length);
  return forms[0].querySelector('button[type=submit]:not(.secondary)');
}"""
# The filter form's button, and how many controls the filter has (the button too).
FILTER = "() => document.querySelector('main form[role=search] button[type=submit]')"
FILTER_CONTROLS = """() => [...(document.querySelector('main form[role=search]') || {elements: []}).elements]
    .filter(e => e.type !== 'hidden' && e.tagName !== 'FIELDSET').length"""
MARK = """found => {
  const target = found instanceof Element ? found : document.querySelector(found);
  if (!target) return null;
  target.setAttribute('data-primary', '');
  return (target.textContent || '').trim();
}"""
# Focus on an in-page link a person follows: its target holds the goal, or is a landing spot made for
# it (tabindex=-1, like "go to the buttons") further on and before the goal.
LEADS_THERE = """() => {
  const a = document.activeElement, goal = document.querySelector('[data-primary]');
  if (!a || !goal || a.tagName !== 'A' || !(a.getAttribute('href') || '').startsWith('#')) return false;
  const target = document.getElementById(a.getAttribute('href').slice(1));
  if (!target) return false;
  if (target.contains(goal)) return true;
  const ahead = a.compareDocumentPosition(target) & Node.DOCUMENT_POSITION_FOLLOWING;
  const before = target.compareDocumentPosition(goal) & Node.DOCUMENT_POSITION_FOLLOWING;
  return target.getAttribute('tabindex') === '-1' && !!ahead && !!before;
}"""


def mark(page: Any, find: str) -> str | None:
    """Mark the goal (`find` is a CSS selector, or a JS function returning the element); its name."""
    if find.startswith("()"):
        return page.evaluate(f"() => ({MARK})(({find})())")  # type: ignore[no-any-return]
    return page.evaluate(MARK, find)  # type: ignore[no-any-return]


def filter_controls(page: Any) -> int:
    return int(page.evaluate(FILTER_CONTROLS))


def tabs_to(page: Any, find: str, tabs: int) -> list[str]:
    """Tab from the top to the goal `find` within `tabs` presses; the problem if it is not reached."""
    page.evaluate(
        "() => document.querySelectorAll('[data-primary]').forEach(e => e.removeAttribute('data-primary'))"
    )
    name = mark(page, find)
    if name is None:
        return [f"nothing found for {find[:60]!r}"]
    page.locator("body").focus()
    for _ in range(tabs):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.hasAttribute('data-primary')"):
            return []
        if page.evaluate(LEADS_THERE):
            page.keyboard.press("Enter")
    return [f"'{name}' is not reached in {tabs} Tab presses"]
