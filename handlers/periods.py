"""WHEN and PERIOD words: `2011-03-15`, `2011-03`, `2011-H1`, `2011`, `2011-01-01..2011-06-30`."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from handlers.response import UsageError
from messages import say
from storage.schedule import add_months

# What WHEN and PERIOD may be, for messages that say so (as their `forms`).
WHEN_FORMS = say("period.when_forms")
PERIOD_FORMS = say("period.period_forms")
FIRST_YEAR, LAST_YEAR = 1900, 2200
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
        raise UsageError(say("period.not_a_day", text=text)) from exc


def _span(text: str) -> Span | None:
    word = text.strip().upper()
    # Checked before any date is made: year 0 or a span past 9999 is no date at all.
    if re.match(r"\d{4}(?:-|$)", word) and not FIRST_YEAR <= int(word[:4]) <= LAST_YEAR:
        raise _out_of_range(text)
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
            raise UsageError(say("period.no_month", text=text, month=month))
        first = date(int(m.group(1)), month, 1)
        return Span(first, add_months(first, 1) - timedelta(days=1), word)
    return None


def _year_ok(span: Span, text: str) -> Span:
    # Both ends: the bot counts and projects beyond a term's last day, and exports what imports take.
    if not (FIRST_YEAR <= span.first.year <= LAST_YEAR and FIRST_YEAR <= span.last.year <= LAST_YEAR):
        raise _out_of_range(text)
    return span


def _out_of_range(text: str) -> UsageError:
    return UsageError(say("period.out_of_range", text=text, first=FIRST_YEAR, last=LAST_YEAR))


def parse_when(text: str) -> Span | str:
    """A span of days, or one of `today`, `next`, `previous`."""
    if text.lower() in RELATIVE:
        return RELATIVE[text.lower()]
    span = _span(text)
    if span is None:
        raise UsageError(say("period.unknown_when", text=text, forms=WHEN_FORMS))
    return _year_ok(span, text)


def parse_period(text: str) -> Span:
    first_text, dots, last_text = text.partition("..")
    if dots:
        first, last = _day(first_text.strip()), _day(last_text.strip())
        if first is None or last is None:
            raise _not_a_period(text)
        if last < first:
            raise UsageError(say("period.backwards", text=text))
        return _year_ok(Span(first, last, text), text)
    span = _span(text)
    if span is None or span.is_day:
        raise _not_a_period(text)
    return _year_ok(span, text)


def _not_a_period(text: str) -> UsageError:
    return UsageError(say("period.not_a_period", text=text, forms=PERIOD_FORMS))


def looks_like_period(text: str) -> bool:
    try:
        parse_period(text)
    except UsageError:
        return False
    return True
