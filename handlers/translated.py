"""People's words with the translations they gave, as message parameters: a term's theme and
description (`Term.translations`, carried by `Slot`), a member's full name (`Member.names`). The
renderer shows each in the reader's language where there is a translation, else as written. And a
language's name, as answers name it."""

from collections.abc import Mapping
from typing import Protocol

from messages import Text, Translated, say
from storage.models import Member


class Themed(Protocol):
    """A term, decided (`Term`) or as users see it (`Slot`)."""

    @property
    def theme(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def translations(self) -> Mapping[str, Mapping[str, str]]: ...


def _field(item: Themed, key: str) -> dict[str, str]:
    return {language: given.get(key, "") for language, given in (item.translations or {}).items()}


def theme_of(item: Themed) -> Translated | str:
    """The theme's title; a language without a translation gets the original."""
    return Translated.of(item.theme, _field(item, "theme"))


def description_of(item: Themed) -> Translated | str:
    """The theme's description; a language whose translation gives none gets the original."""
    return Translated.of(item.description, _field(item, "description"))


def member_name(member: Member) -> Translated | str:
    """The member's full name, in the reader's language where one is given."""
    return Translated.of(member.name, member.names)


def language_name(language: str) -> Text:
    """A language as a message parameter: its name in the reader's language (`French`, `francés`)."""
    return say(f"language.name_{language}")
