"""Deliveries as Slack shows them, rendered when they are sent: a delivery row holds its post's
messages (ids with parameters), so a change made after it was planned shows in it. A post is in the
language its delivery says (the channel's), a direct message in its recipient's."""

import json
from functools import lru_cache
from typing import Any

from bot.blocks import MAX_TEXT, body_blocks, clip
from messages import Text, decode
from messages.render import render
from storage.models import Delivery

# Slack cuts a channel topic at 250 characters.
MAX_TOPIC = 250


def _post(delivery: Delivery) -> tuple[list[Text], Text | None]:
    params = delivery.params or {}
    return [decode(t) for t in params.get("sections", [])], decode(params.get("footer"))


def topic_text(delivery: Delivery, language: str) -> str:
    sections, _ = _post(delivery)
    return clip(" ".join(render(t, "plain", language) for t in sections), MAX_TOPIC)


def message_payload(delivery: Delivery, language: str) -> tuple[str, list[dict[str, Any]] | None]:
    """The text and blocks of chat.postMessage, in `language`."""
    if delivery.message == "written":  # planned before messages were data: sent as it was written then
        params = delivery.params or {}
        return str(params.get("text", "")), params.get("blocks") or None
    text, blocks = _rendered(json.dumps(delivery.params, sort_keys=True), language)
    return text, json.loads(blocks)


# One post to many channels (a theme post to 500) is rendered once per language; the cache holds the
# parameters' JSON, so a change made since planning is a new entry, never a stale one.
@lru_cache(maxsize=256)
def _rendered(params: str, language: str) -> tuple[str, str]:
    stored = json.loads(params) or {}
    sections = [decode(t) for t in stored.get("sections", [])]
    footer = decode(stored.get("footer"))
    rendered = [render(t, "mrkdwn", language) for t in sections]
    shown_footer = render(footer, "mrkdwn", language) if footer is not None else ""
    text = clip("\n".join([*rendered, shown_footer]).strip(), MAX_TEXT)
    return text, json.dumps([b.to_dict() for b in body_blocks(rendered, shown_footer)])
