"""What the bot says, as data: a message id with its parameters (`Text`). Handlers return these and
never build a sentence; each edge (Slack, the command line, the public page, deliveries when they are
sent) renders them through the catalog (messages/catalog.py) with messages/render.py.

A parameter is shown according to its kind: `str` is text a person wrote (escaped wherever it goes),
`int` a number, `date` a day, and the classes below the rest."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class Text:
    id: str
    params: dict[str, Any] = field(default_factory=dict)


def say(message_id: str, /, **params: Any) -> Text:
    return Text(message_id, params)


@dataclass(frozen=True)
class Translated:
    """Text a person wrote, with the translations they gave (a theme, a member's name): shown in the
    reader's language where there is one, else as written."""

    original: str
    translations: tuple[tuple[str, str], ...] = ()

    def shown_in(self, language: str) -> str:
        return dict(self.translations).get(language) or self.original

    @staticmethod
    def of(original: str, translations: dict[str, str] | None) -> "Translated | str":
        given = tuple(sorted((k, v) for k, v in (translations or {}).items() if v))
        return Translated(original, given) if given else original


def in_language(words: "Translated | str", language: str) -> str:
    """People's words as a reader of `language` sees them."""
    return words.shown_in(language) if isinstance(words, Translated) else words


@dataclass(frozen=True)
class Days:
    """A term's days, first to last."""

    first: date
    last: date


@dataclass(frozen=True)
class At:
    """An instant, shown on the clock of `timezone`."""

    instant: datetime
    timezone: str


@dataclass(frozen=True)
class Names:
    """Member codes (chairs, say), emphasized and joined as a list is read."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class User:
    id: str


@dataclass(frozen=True)
class Users:
    """People one after another, as Slack lists them: `@ana @bob`."""

    ids: tuple[str, ...]


@dataclass(frozen=True)
class Channel:
    id: str


@dataclass(frozen=True)
class Code:
    """A command or value to type as shown."""

    text: str


@dataclass(frozen=True)
class Countdown:
    """Days from today: today, tomorrow, in 3 days, 2 days ago."""

    days: int


@dataclass(frozen=True)
class Lines:
    """Messages one per line."""

    items: tuple[Text, ...]


@dataclass(frozen=True)
class Commas:
    """Values one after another, separated by commas, without an `and`: `ILO, IOM, UNDP`."""

    items: tuple[Any, ...]


@dataclass(frozen=True)
class Words:
    """Messages joined as a list is read: `a, b and c`."""

    items: tuple[Text, ...]


# As JSON, for messages stored to be rendered later (deliveries are rendered when they are sent).

_KINDS: dict[str, type] = {
    "days": Days,
    "at": At,
    "names": Names,
    "user": User,
    "users": Users,
    "channel": Channel,
    "code": Code,
    "countdown": Countdown,
    "lines": Lines,
    "words": Words,
    "commas": Commas,
    "translated": Translated,
}
_TAGS = {kind: tag for tag, kind in _KINDS.items()}


def encode(value: Any) -> Any:
    if isinstance(value, Text):
        return {"$": "text", "id": value.id, "params": {k: encode(v) for k, v in value.params.items()}}
    if isinstance(value, str | int | bool) or value is None:
        return value
    if isinstance(value, datetime):
        raise TypeError("an instant is given as At(instant, timezone)")
    if isinstance(value, date):
        return {"$": "date", "value": value.isoformat()}
    if isinstance(value, At):
        return {"$": "at", "instant": value.instant.isoformat(), "timezone": value.timezone}
    if isinstance(value, Days):
        return {"$": "days", "first": value.first.isoformat(), "last": value.last.isoformat()}
    if isinstance(value, Lines | Words | Commas):
        return {"$": _TAGS[type(value)], "items": [encode(t) for t in value.items]}
    if isinstance(value, Names):
        return {"$": "names", "names": list(value.names)}
    if isinstance(value, Users):
        return {"$": "users", "ids": list(value.ids)}
    if isinstance(value, Translated):
        return {"$": "translated", "original": value.original, "translations": dict(value.translations)}
    if type(value) in _TAGS:
        return {"$": _TAGS[type(value)], **{k: v for k, v in vars(value).items()}}
    raise TypeError(f"cannot store a {type(value).__name__} in a message")


def decode(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    tag = value["$"]
    if tag == "text":
        return Text(value["id"], {k: decode(v) for k, v in value["params"].items()})
    if tag == "date":
        return date.fromisoformat(value["value"])
    if tag == "at":
        return At(datetime.fromisoformat(value["instant"]), value["timezone"])
    if tag == "days":
        return Days(date.fromisoformat(value["first"]), date.fromisoformat(value["last"]))
    if tag in ("lines", "words", "commas"):
        return _KINDS[tag](tuple(decode(t) for t in value["items"]))
    if tag == "names":
        return Names(tuple(value["names"]))
    if tag == "users":
        return Users(tuple(value["ids"]))
    if tag == "translated":
        return Translated(value["original"], tuple(sorted(value["translations"].items())))
    fields = {k: v for k, v in value.items() if k != "$"}
    return _KINDS[tag](**fields)
