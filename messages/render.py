"""Messages made text for an edge: Slack's mrkdwn, a terminal's plain text, or HTML.

A template (messages/catalog) is text with `{name}` fields and mrkdwn's own markers (`*bold*`,
`_italic_`, `` `code` ``, a `>` quote line); each flavour writes the markers its way, then fills the
fields with the parameters shown for that flavour, user text escaped for it."""

import html
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from messages import At, Channel, Code, Commas, Countdown, Days, Lines, Names, Text, User, Users, Words
from messages.catalog import CATALOG

Flavour = Literal["mrkdwn", "plain", "html"]


def render(text: Text, flavour: Flavour = "mrkdwn") -> str:
    entry = CATALOG[text.id]
    if isinstance(entry, Mapping):
        entry = entry["one" if text.params.get("count") == 1 else "other"]
    template = _markers(entry, flavour)
    values = {name: _value(value, flavour) for name, value in text.params.items()}
    return template.format_map(values)


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


def _value(value: Any, flavour: Flavour) -> str:
    if isinstance(value, Text):
        return render(value, flavour)
    if isinstance(value, str):
        return _user_text(value, flavour)
    if isinstance(value, bool | int):
        return str(int(value))
    if isinstance(value, datetime):
        raise TypeError("an instant is given as At(instant, timezone)")
    if isinstance(value, date):
        return _time(value.isoformat(), day(value)) if flavour == "html" else day(value)
    if isinstance(value, Days):
        if flavour != "html":
            return day_range(value.first, value.last)
        first, last = value.first, value.last
        start = f"{first.day} {first:%b}" if first.year == last.year else day(first)
        return f"{_time(first.isoformat(), start)} to {_time(last.isoformat(), day(last))}"
    if isinstance(value, At):
        zone = ZoneInfo(value.timezone)
        shown = instant(value.instant, zone)
        if flavour != "html":
            return shown
        return _time(value.instant.astimezone(zone).isoformat(timespec="minutes"), shown)
    if isinstance(value, Countdown):
        return countdown(value.days)
    if isinstance(value, Names):
        marked = {"mrkdwn": "*{}*", "plain": "{}", "html": "<strong>{}</strong>"}[flavour]
        return join_names([marked.format(_user_text(n, flavour)) for n in value.names])
    if isinstance(value, Users):
        return " ".join(_value(User(u), flavour) for u in value.ids)
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
        return ("<br>" if flavour == "html" else "\n").join(render(t, flavour) for t in value.items)
    if isinstance(value, Commas):
        return ", ".join(_value(item, flavour) for item in value.items)
    if isinstance(value, Words):
        return join_names([render(t, flavour) for t in value.items])
    raise TypeError(f"no way to show a {type(value).__name__} in a message")


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


# Dates and times as the group reads them


def day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def day_range(first: date, last: date) -> str:
    if first.year == last.year:
        return f"{first.day} {first:%b} to {day(last)}"
    return f"{day(first)} to {day(last)}"


def instant(at: datetime, zone: ZoneInfo) -> str:
    local = at.astimezone(zone)
    return f"{day(local.date())} at {local:%H:%M} {local.tzname()}"


def countdown(days: int) -> str:
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    return f"in {days} days" if days > 0 else f"{-days} days ago"


def join_names(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
