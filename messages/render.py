"""Messages made text for an edge: Slack's mrkdwn, a terminal's plain text, or HTML.

A template (messages/catalog) is text with `{name}` fields and mrkdwn's own markers (`*bold*`,
`_italic_`, `` `code` ``, a `>` quote line); each flavour writes the markers its way, then fills the
fields with the parameters shown for that flavour, user text escaped for it.

A message is rendered in a language (messages/languages.py): its template comes from that language's
gettext catalog, and days, instants, countdowns and lists are written as its readers write them
(Babel, from CLDR)."""

import html
import logging
import re
from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.lists import format_list
from babel.numbers import format_decimal

from messages import (
    At,
    Channel,
    Code,
    Commas,
    Countdown,
    Days,
    Lines,
    Names,
    Text,
    Translated,
    User,
    Users,
    Words,
)
from messages.catalog import CATALOG
from messages.languages import (
    DAY_IN_YEAR_PATTERN,
    DAY_PATTERN,
    DEFAULT,
    babel_locale,
    month_locale,
    translations,
)

Flavour = Literal["mrkdwn", "plain", "html"]
log = logging.getLogger(__name__)


def render(text: Text, flavour: Flavour = "mrkdwn", language: str = DEFAULT) -> str:
    values = {name: _value(value, flavour, language) for name, value in text.params.items()}
    try:
        return _markers(template_of(text, language), flavour).format_map(values)
    except (KeyError, IndexError, ValueError) as exc:
        # A translation that names a field the message lacks, or is not a template at all (a `.po`
        # edited by hand): the English says it rather than nothing (tests/test_languages.py keeps
        # the shipped catalogs clean).
        if language == DEFAULT:
            raise
        log.error("message %s in %s cannot be rendered (%r); shown in English", text.id, language, exc)
        return _markers(template_of(text, DEFAULT), flavour).format_map(values)


def template_of(text: Text, language: str) -> str:
    """The message's template in `language`; a plural form chosen by the `count` parameter."""
    entry = CATALOG[text.id]
    catalog = translations(language)
    if isinstance(entry, Mapping):
        count = text.params.get("count")
        return catalog.npgettext(
            text.id, entry["one"], entry["other"], count if isinstance(count, int) else 2
        )
    return catalog.pgettext(text.id, entry)


def _markers(template: str, flavour: Flavour) -> str:
    if flavour == "mrkdwn":
        return template
    if flavour == "plain":
        return to_plain(template)
    # The template is the catalog's own text: safe to mark up; its fields are escaped when filled. A
    # quote line is a paragraph of its own on the page already.
    marked = re.sub(r"(?m)^>", "", template)
    marked = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"<strong>\1</strong>", marked)
    marked = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", r"<em>\1</em>", marked)
    return re.sub(r"`([^`\n]+)`", r"<code>\1</code>", marked)


def _value(value: Any, flavour: Flavour, language: str) -> str:
    if isinstance(value, Text):
        return render(value, flavour, language)
    if isinstance(value, Translated):
        return _user_text(value.shown_in(language), flavour)
    if isinstance(value, str):
        return _user_text(value, flavour)
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return format_decimal(value, locale=babel_locale(language), group_separator=False)
    if isinstance(value, datetime):
        raise TypeError("an instant is given as At(instant, timezone)")
    if isinstance(value, date):
        return _time(value.isoformat(), day(value, language)) if flavour == "html" else day(value, language)
    if isinstance(value, Days):
        return _days(value, flavour, language)
    if isinstance(value, At):
        zone = ZoneInfo(value.timezone)
        shown = instant(value.instant, zone, language)
        if flavour != "html":
            return shown
        return _time(value.instant.astimezone(zone).isoformat(timespec="minutes"), shown)
    if isinstance(value, Countdown):
        return countdown(value.days, language)
    if isinstance(value, Names):
        marked = {"mrkdwn": "*{}*", "plain": "{}", "html": "<strong>{}</strong>"}[flavour]
        return join_names([marked.format(_user_text(n, flavour)) for n in value.names], language)
    if isinstance(value, Users):
        return " ".join(_value(User(u), flavour, language) for u in value.ids)
    if isinstance(value, User):
        return {"mrkdwn": f"<@{value.id}>", "plain": f"@{value.id}", "html": f"@{html.escape(value.id)}"}[
            flavour
        ]
    if isinstance(value, Channel):
        return {"mrkdwn": f"<#{value.id}>", "plain": f"#{value.id}", "html": f"#{html.escape(value.id)}"}[
            flavour
        ]
    if isinstance(value, Code):
        if flavour == "html":
            return f"<code>{html.escape(value.text)}</code>"
        code = value.text
        if flavour == "mrkdwn":
            code = code.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return f"`{code}`"
    if isinstance(value, Lines):
        return ("<br>" if flavour == "html" else "\n").join(render(t, flavour, language) for t in value.items)
    if isinstance(value, Commas):
        return ", ".join(_value(item, flavour, language) for item in value.items)
    if isinstance(value, Words):
        return join_names([render(t, flavour, language) for t in value.items], language)
    raise TypeError(f"no way to show a {type(value).__name__} in a message")


def _days(days: Days, flavour: Flavour, language: str) -> str:
    """A term's days: the first without its year where both share one (`1 Jan to 30 Jun 2011`); one
    day alone (`1 Dec 2010`)."""
    first, last = days.first, days.last
    if first == last:
        shown = day(first, language)
        return _time(first.isoformat(), shown) if flavour == "html" else shown
    start = _day_in_year(first, language) if first.year == last.year else day(first, language)
    end = day(last, language)
    if flavour == "html":
        start, end = _time(first.isoformat(), start), _time(last.isoformat(), end)
    # The words around the days are the catalog's; the days are already written for the flavour.
    return template_of(Text("days.range"), language).format(first=start, last=end)


def _time(machine: str, shown: str) -> str:
    """A day or an instant in HTML: shown for people, machine-readable in `datetime`."""
    return f'<time datetime="{html.escape(machine)}">{html.escape(shown)}</time>'


def _user_text(value: str, flavour: Flavour) -> str:
    if flavour == "mrkdwn":
        return escape(value)
    if flavour == "html":
        return html.escape(value)
    return value


# mrkdwn, and what shows user text as text in it


def escape(text: str) -> str:
    """User text inside mrkdwn: it cannot ping, link or break the formatting around it."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return shown_as_text(text)


# mrkdwn has no escape for its formatting markers. In user text a marker that could open or close
# bold, italics, strike or code (one not inside a word; a backtick anywhere) is shown as a lookalike
# that Slack cannot take for a marker, so a title like `*Safe* migration` leaves the formatting around
# it intact; `New_York` stays as written. Plain text shows the characters as typed.
_LOOKALIKE = {"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"}
_MARKER = re.compile(r"`|(?<!\w)[*_~]|[*_~](?!\w)")
_MARKERS_BACK = str.maketrans({v: k for k, v in _LOOKALIKE.items()})


def shown_as_text(text: str) -> str:
    return _MARKER.sub(lambda m: _LOOKALIKE[m.group()], text)


def unescape_entities(text: str) -> str:
    # Plain text (headers, terminals) shows characters as written: no mrkdwn escapes there.
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def as_written(text: str) -> str:
    """User text from mrkdwn back as it was typed, for plain-text surfaces."""
    return unescape_entities(text).translate(_MARKERS_BACK)


def to_plain(mrkdwn: str) -> str:
    """mrkdwn as a terminal shows it: bold and italic markers and escapes taken out."""
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", mrkdwn)
    text = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", r"\1", text)
    return as_written(re.sub(r"(?m)^>", "  ", text))


# Dates and times as the reader writes them


# Babel takes tens of microseconds a day; a group's answers and posts name the same few days again.
@lru_cache(maxsize=4096)
def day(d: date, language: str = DEFAULT) -> str:
    return format_date(d, DAY_PATTERN, locale=month_locale(language))


@lru_cache(maxsize=4096)
def _day_in_year(d: date, language: str) -> str:
    return format_date(d, DAY_IN_YEAR_PATTERN, locale=month_locale(language))


def instant(at: datetime, zone: ZoneInfo, language: str = DEFAULT) -> str:
    local = at.astimezone(zone)
    clock = format_time(local, "HH:mm", locale=babel_locale(language))
    return template_of(Text("instant"), language).format(
        day=day(local.date(), language), time=clock, zone=local.tzname()
    )


_NEAR_DAYS = {0: "countdown.today", 1: "countdown.tomorrow", -1: "countdown.yesterday"}


@lru_cache(maxsize=1024)
def countdown(days: int, language: str = DEFAULT) -> str:
    if days in _NEAR_DAYS:
        return template_of(Text(_NEAR_DAYS[days]), language)
    # Days however many there are (`in 45 days`, not `in 2 months`), as each language says it.
    count = abs(days)
    text = Text("countdown.in_days" if days > 0 else "countdown.days_ago", {"count": count})
    return template_of(text, language).format(count=_value(count, "plain", language))


def join_names(names: list[str], language: str = DEFAULT) -> str:
    return format_list(names, locale=babel_locale(language)) if names else ""
