"""WHEN and PERIOD words: `2011-03-15`, `2011-03`, `2011-H1`, `2011`, `2011-01-01..2011-06-30`."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from handlers.response import UsageError
from messages.render import escape
from storage.schedule import add_months

WHEN_FORMS = (
    "`today`, `next`, `previous`, a day `2011-03-15`, a month `2011-03`, "
    "a half-year `2011-H1`/`2011-H2` or a year `2011`"
)
PERIOD_FORMS = "`2011-H1`, `2011-H2`, `2011`, `2011-03` or two days `2011-01-01..2011-06-30`"
RELATIVE = {
    "today": "today",
    "now": "today",
    "current": "today",
    "next": "next",
    "previous": "previous",
    "prev": "previous",
    "last": "previous",
}


@dataclass(frozen=True)
class Span:
    first: date
    last: date
    label: str

    @property
    def is_day(self) -> bool:
        return self.first == self.last


def _day(text: str) -> date | None:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"`{text}` is not a real day: check the month and the day.") from exc


def _span(text: str) -> Span | None:
    word = text.strip().upper()
    # Checked before any date is made: year 0 or a span past 9999 is no date at all.
    if re.match(r"\d{4}(?:-|$)", word) and not 1900 <= int(word[:4]) <= 2200:
        raise UsageError(f"`{escape(text)}` is out of range: use years from 1900 to 2200.")
    if (d := _day(word)) is not None:
        return Span(d, d, text)
    if m := re.fullmatch(r"(\d{4})", word):
        year = int(m.group(1))
        return Span(date(year, 1, 1), date(year, 12, 31), word)
    if m := re.fullmatch(r"(\d{4})-H([12])", word):
        first = date(int(m.group(1)), 1 if m.group(2) == "1" else 7, 1)
        return Span(first, add_months(first, 6) - timedelta(days=1), word)
    if m := re.fullmatch(r"(\d{4})-(\d{2})", word):
        month = int(m.group(2))
        if not 1 <= month <= 12:
            raise UsageError(f"`{text}` has no month {month}: months go from 01 to 12.")
        first = date(int(m.group(1)), month, 1)
        return Span(first, add_months(first, 1) - timedelta(days=1), word)
    return None


def _year_ok(span: Span, text: str) -> Span:
    # Both ends: the bot counts and projects beyond a term's last day, and exports what imports take.
    if not (1900 <= span.first.year <= 2200 and 1900 <= span.last.year <= 2200):
        raise UsageError(f"`{escape(text)}` is out of range: use years from 1900 to 2200.")
    return span


def parse_when(text: str) -> Span | str:
    """A span of days, or one of `today`, `next`, `previous`."""
    if text.lower() in RELATIVE:
        return RELATIVE[text.lower()]
    span = _span(text)
    if span is None:
        raise UsageError(f"`{escape(text)}` is not a time I know. Use {WHEN_FORMS}.")
    return _year_ok(span, text)


def parse_period(text: str) -> Span:
    first_text, dots, last_text = text.partition("..")
    if dots:
        first, last = _day(first_text.strip()), _day(last_text.strip())
        if first is None or last is None:
            raise UsageError(f"`{escape(text)}` is not a period. Use {PERIOD_FORMS}.")
        if last < first:
            raise UsageError(f"`{escape(text)}` ends before it begins: put the first day first.")
        return _year_ok(Span(first, last, text), text)
    span = _span(text)
    if span is None or span.is_day:
        raise UsageError(f"`{escape(text)}` is not a period. Use {PERIOD_FORMS}.")
    return _year_ok(span, text)


def looks_like_period(text: str) -> bool:
    try:
        parse_period(text)
    except UsageError:
        return False
    return True
