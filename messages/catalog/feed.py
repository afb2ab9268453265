"""The calendar feed (handlers/calendar.py): its events' summaries and descriptions, as plain text."""

from messages.catalog.template import Template

MESSAGES: dict[str, Template] = {
    "feed.name": "{group} chairs",
    "feed.term": {"one": "{group} chair: {chairs}", "other": "{group} co-chairs: {chairs}"},
    "feed.projected": "{summary} (projected)",
    "feed.projected_term": "Projected from the rotation order: not decided yet.",
    "feed.handover": {
        "one": "{group} handover: {chairs} takes over",
        "other": "{group} handover: {chairs} take over",
    },
    "feed.handover_from": {
        "one": "{group} handover: {chairs} takes over from {outgoing}",
        "other": "{group} handover: {chairs} take over from {outgoing}",
    },
    "feed.handover_about": {
        "one": "{chairs} takes over the {group} chair. Term: {days}.",
        "other": "{chairs} take over the {group} chair. Term: {days}.",
    },
    "feed.handover_about_from": {
        "one": "{chairs} takes over the {group} chair from {outgoing}. Term: {days}.",
        "other": "{chairs} take over the {group} chair from {outgoing}. Term: {days}.",
    },
    "feed.alarm": "{group} handover in {lead}: {chairs}",
}
