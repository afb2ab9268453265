"""What a command answers, ready for Slack (text and blocks) or a terminal (plain text)."""

import re
from dataclasses import dataclass, field

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

# Slack's limits: 50 blocks in a message, 3,000 characters in a text object, 150 in a header.
MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
# Slack truncates a message's `text` beyond 40,000 characters; stay well inside.
MAX_TEXT = 12000


class UsageError(Exception):
    """Bad input: the message says what was wrong and the accepted form."""


@dataclass
class Response:
    title: str
    sections: list[str]
    footer: str = ""
    ephemeral: bool = True
    # A question whose answer a user may share to the channel.
    shareable: bool = False
    # True when the command changed the group's data.
    changed: bool = False
    # False when the command was refused; the sections say why.
    ok: bool = True
    blocks: list[Block] = field(init=False)
    text: str = field(init=False)

    def __post_init__(self) -> None:
        self.blocks = _blocks(self.title, self.sections, self.footer)
        self.text = _clip("\n".join([f"*{self.title}*", *self.sections, self.footer]), MAX_TEXT)

    def plain(self) -> str:
        """The answer for a terminal."""
        return to_plain(self.text.strip())


def to_plain(mrkdwn: str) -> str:
    """mrkdwn as a terminal shows it: bold and italic markers and escapes taken out."""
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", mrkdwn)
    text = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", r"\1", text)
    return as_written(re.sub(r"(?m)^>", "  ", text))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _blocks(title: str, sections: list[str], footer: str) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=_clip(as_written(title), MAX_HEADER)))]
    room = MAX_BLOCKS - 1 - (1 if footer else 0)
    body = [s for s in sections if s.strip()]
    if len(body) > room:
        body = [*body[: room - 1], "\n".join(body[room - 1 :])]
    blocks += [SectionBlock(text=MarkdownTextObject(text=_clip(s, MAX_SECTION))) for s in body]
    if footer:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_clip(footer, MAX_SECTION))]))
    return blocks


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
