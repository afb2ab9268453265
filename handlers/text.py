"""Reading what people type in Slack: words, mentions, channels."""

import re
import unicodedata
from dataclasses import dataclass

from handlers.response import UsageError
from messages import say
from messages.render import unescape_entities

# Slack sends typographic quotes when people type straight ones on some clients.
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})
_USER = re.compile(r"<@([UW][A-Z0-9]{2,31})(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([CGD][A-Z0-9]{2,31})(?:\|[^>]*)?>")
_ENTITY = re.compile(r"<([^<>]*)>")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_RAW_USER = re.compile(r"[UW][A-Z0-9]{2,31}")
_RAW_CHANNEL = re.compile(r"[CGD][A-Z0-9]{2,31}")


@dataclass(frozen=True)
class Token:
    value: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Words, and "quoted phrases" as one word; an apostrophe inside a word is just a letter."""
    tokens = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        if text[i] == '"':
            close = text.find('"', i + 1)
            if close < 0:
                raise UsageError(say("text.unclosed_quote"))
            tokens.append(Token(text[i + 1 : close], i, close + 1))
            i = close + 1
            continue
        j = i
        while j < len(text) and not text[j].isspace():
            j += 1
        tokens.append(Token(text[i:j], i, j))
        i = j
    return tokens


def normalize_input(text: str) -> str:
    # Control characters are never meant (NUL, which PostgreSQL refuses in text; escape sequences
    # that would reach a terminal or a calendar file): only tabs and line breaks stay. NFC: an accent
    # typed as a separate combining mark is stored as the one character it shows.
    return unicodedata.normalize("NFC", _CONTROLS.sub("", text.translate(_QUOTES))).strip()


def unescape_slack(text: str) -> str:
    """Slack's escaped text as the person wrote it: mentions and links shown as words."""

    def entity(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return "@" + (label or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            return "@" + (label.lstrip("@") or target[1:].split("^")[0])
        return f"{label} ({target})" if label and label != target else target

    return unescape_entities(_ENTITY.sub(entity, text))


def user_id_of(word: str) -> str | None:
    match = _USER.fullmatch(word)
    if match:
        return match.group(1)
    return word if _RAW_USER.fullmatch(word) else None


def channel_id_of(word: str) -> str | None:
    match = _CHANNEL.fullmatch(word)
    if match:
        return match.group(1)
    return word if _RAW_CHANNEL.fullmatch(word) else None
