"""A message the bot posts, stored with its delivery as message ids and parameters, and the delivery
that carries it."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from messages import Text, encode
from storage.deliveries import Planned
from storage.models import Group, Subscription


@dataclass(frozen=True)
class Post:
    """A message the bot posts: sections, then a footer in small print."""

    sections: tuple[Text, ...]
    footer: Text | None = None
    # An open theme proposal's id: the post carries its Support and Object buttons.
    proposal: int | None = None
    # Open checklist items, each its id and its line: shown after the sections, each with a Done button
    # (bot/listeners/checklist.py).
    checklist: tuple[tuple[int, Text], ...] = ()

    def stored(self) -> tuple[str, dict[str, Any]]:
        """The delivery's message id (its first section's) and parameters."""
        params = {"sections": [encode(t) for t in self.sections], "footer": encode(self.footer)}
        if self.checklist:
            params["checklist"] = [[item_id, encode(line)] for item_id, line in self.checklist]
        return self.sections[0].id, params | ({"proposal": self.proposal} if self.proposal else {})


def planned_post(
    key: str,
    kind: str,
    team_id: str,
    target: str,
    due: datetime,
    expires: datetime,
    post: Post,
    language: str | None = None,
) -> Planned:
    """`language`: a channel's (channel_language); None for a direct message, sent in its reader's."""
    message, params = post.stored()
    return Planned(key, kind, team_id, target, due, expires, message, params, language)


def channel_language(group: Group, channel_id: str, subscriptions: Sequence[Subscription]) -> str:
    """The language of the group's posts to a channel: the one the channel chose, else the group's."""
    chosen = next((s.language for s in subscriptions if s.channel_id == channel_id and s.language), None)
    return chosen or group.language
