"""Answers and posts as Slack shows them: Block Kit and the fallback text, within Slack's limits."""

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from handlers.response import Response
from messages.render import as_written

# Slack's limits: 50 blocks in a message, 3,000 characters in a text object, 150 in a header.
MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
# Slack truncates a message's `text` beyond 40,000 characters; stay well inside.
MAX_TEXT = 12000


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def answer_blocks(response: Response, language: str) -> list[Block]:
    title, sections, footer = response.parts("mrkdwn", language)
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=clip(as_written(title), MAX_HEADER)))]
    return blocks + body_blocks(sections, footer, room=MAX_BLOCKS - 1)


def body_blocks(sections: list[str], footer: str, *, room: int = MAX_BLOCKS) -> list[Block]:
    """A section block per part (the last ones merged when there are too many), then the footer."""
    room -= 1 if footer else 0
    body = [s for s in sections if s.strip()]
    if len(body) > room:
        body = [*body[: room - 1], "\n".join(body[room - 1 :])]
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=clip(s, MAX_SECTION))) for s in body]
    if footer:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip(footer, MAX_SECTION))]))
    return blocks


def answer_text(response: Response, language: str) -> str:
    return clip(response.mrkdwn(language), MAX_TEXT)
