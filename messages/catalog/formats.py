"""How days, instants and countdowns read in a sentence (Babel writes the days and times themselves),
and the languages the bot speaks."""

from messages.catalog.template import Template

MESSAGES: dict[str, Template] = {
    # A term's days, first to last: `1 Jan to 30 Jun 2011`.
    "days.range": "{first} to {last}",
    # An instant on the group's clock: `1 Jan 2011 at 09:00 CET`.
    "instant": "{day} at {time} {zone}",
    "countdown.today": "today",
    "countdown.tomorrow": "tomorrow",
    "countdown.yesterday": "yesterday",
    "countdown.in_days": {"one": "in {count} day", "other": "in {count} days"},
    "countdown.days_ago": {"one": "{count} day ago", "other": "{count} days ago"},
    "language.unknown": "`{word}` is not a language I speak; use one of {languages}.",
    # A language's name, in a sentence: `Channel posts are now in French`.
    "language.name_en": "English",
    "language.name_fr": "French",
    "language.name_es": "Spanish",
}
