"""How days, instants and countdowns read in a sentence; Babel writes the days and times themselves."""

from messages.catalog.template import Template

MESSAGES: dict[str, Template] = {
    # A term's days, first to last: `1 Jan to 30 Jun 2011`.
    "days.range": "{first} to {last}",
    # An instant on the group's clock: `1 Jan 2011 at 09:00 CET`.
    "instant": "{day} at {time} {zone}",
    "countdown.today": "today",
    "countdown.tomorrow": "tomorrow",
    "countdown.yesterday": "yesterday",
}
