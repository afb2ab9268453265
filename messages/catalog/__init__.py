"""The catalog: every message the bot can say, by id, in English. A template is text with `{name}`
fields and mrkdwn markers (messages/render.py); one that depends on a `count` is a mapping of plural
forms (`one`, `other`). Each part of the bot has its own module; an id is declared once.

These modules are the source of the gettext catalogs in messages/locale (`python -m messages.update`
extracts them, with the message id as each entry's context); each language is rendered from its own."""

from collections.abc import Mapping

from messages.catalog import (
    answers,
    calendar,
    changes,
    checklist,
    commands,
    configuration,
    feed,
    formats,
    home,
    links,
    notices,
    page,
    proposals,
)
from messages.catalog.template import Template


def _merged(*parts: Mapping[str, Template]) -> dict[str, Template]:
    catalog: dict[str, Template] = {}
    for part in parts:
        twice = catalog.keys() & part.keys()
        if twice:
            raise ValueError(f"message ids declared twice: {sorted(twice)}")
        catalog.update(part)
    return catalog


CATALOG = _merged(
    answers.MESSAGES,
    calendar.MESSAGES,
    changes.MESSAGES,
    checklist.MESSAGES,
    commands.MESSAGES,
    configuration.MESSAGES,
    feed.MESSAGES,
    formats.MESSAGES,
    home.MESSAGES,
    links.MESSAGES,
    notices.MESSAGES,
    page.MESSAGES,
    proposals.MESSAGES,
)
