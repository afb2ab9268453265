"""Deliveries as Slack shows them, rendered when they are sent: a delivery row holds its post's
messages (ids with parameters), so a change made after it was planned shows in it. A post is in the
language its delivery says (the channel's), a direct message in its recipient's."""

import json
from functools import lru_cache
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, MarkdownTextObject, SectionBlock

from bot.blocks import MAX_BLOCKS, MAX_SECTION, MAX_TEXT, body_blocks, clip
from messages import Text, decode, say
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


# A theme proposal's buttons (bot/listeners/proposals.py): the value is the proposal's id.
SUPPORT_ACTION = "proposal_support"
OBJECT_ACTION = "proposal_object"
# A checklist item's Done button (bot/listeners/checklist.py): the value is the item's id.
CHECKLIST_DONE_ACTION = "checklist_done"
# Checklist items shown with their buttons in one post; more are counted in the sections' own words.
MAX_CHECKLIST_BUTTONS = 20


def message_payload(delivery: Delivery, language: str) -> tuple[str, list[dict[str, Any]] | None]:
    """The text and blocks of chat.postMessage, in `language`."""
    if delivery.message == "written":  # planned before messages were data: sent as it was written then
        params = delivery.params or {}
        return str(params.get("text", "")), params.get("blocks") or None
    return post_payload(delivery.params or {}, language)


def post_payload(params: dict[str, Any], language: str) -> tuple[str, list[dict[str, Any]]]:
    """A post's text and blocks from its stored parameters (handlers.post.Post.stored)."""
    text, blocks = _rendered(json.dumps(params, sort_keys=True), language)
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
    items = [(int(i), render(decode(t), "mrkdwn", language)) for i, t in stored.get("checklist", [])]
    items = items[:MAX_CHECKLIST_BUTTONS]
    text = clip("\n".join([*rendered, *(line for _, line in items), shown_footer]).strip(), MAX_TEXT)
    blocks: list[Block] = body_blocks(rendered, shown_footer, room=MAX_BLOCKS - 1 - len(items))
    if items:
        # Each item with its button, after the sections and before the footer.
        at = len(blocks) - (1 if shown_footer else 0)
        blocks[at:at] = [checklist_item_block(i, line, language) for i, line in items]
    if stored.get("proposal"):
        blocks.append(proposal_buttons(int(stored["proposal"]), language))
    return text, json.dumps([b.to_dict() for b in blocks])


def proposal_buttons(proposal_id: int, language: str) -> ActionsBlock:
    """Support and Object (bot/listeners/proposals.py), on a proposal's post and in App Home."""

    def button(action_id: str, label: str, style: str) -> ButtonElement:
        text = render(say(label), "plain", language)
        return ButtonElement(text=text, action_id=action_id, value=str(proposal_id), style=style)

    return ActionsBlock(
        elements=[
            button(SUPPORT_ACTION, "proposal.button_support", "primary"),
            button(OBJECT_ACTION, "proposal.button_object", "danger"),
        ]
    )


def checklist_item_block(item_id: int, line: str, language: str) -> SectionBlock:
    """An open checklist item with its Done button (here and in App Home)."""
    button = ButtonElement(
        text=render(say("checklist.button_done"), "plain", language),
        action_id=CHECKLIST_DONE_ACTION,
        value=str(item_id),
        style="primary",
    )
    return SectionBlock(text=MarkdownTextObject(text=clip(line, MAX_SECTION)), accessory=button)
