"""How people name member agencies: `UN Women`, `un-women`, `UNWOMEN` and aliases are one member."""

import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable
from typing import Protocol, TypeVar

_IGNORED = re.compile(r"[\s.\-_'\"\u2019]+")


class Named(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def aliases(self) -> list[str]: ...


M = TypeVar("M", bound=Named)


# Pure, and asked for the same few names again and again (each term of an import names its chairs).
@functools.lru_cache(maxsize=4096)
def member_key(text: str) -> str:
    """What a name compares by: fullwidth `FAO`, a decomposed `é` and other compatibility forms
    count as the characters they show (NFKC), in any case, without invisible characters, spaces,
    dots or hyphens."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    # Invisible format characters (zero-width space, soft hyphen, bidi marks) show nothing.
    visible = "".join(c for c in folded if unicodedata.category(c) != "Cf")
    return _IGNORED.sub("", visible.replace("\ufe0f", ""))


def canonical_code(text: str) -> str:
    """A member code as stored: its compatibility forms resolved (fullwidth `FAO` is stored as `FAO`)."""
    return unicodedata.normalize("NFKC", text)


def resolve_member(members: Iterable[M], text: str) -> M | None:
    key = member_key(text)
    if not key:
        return None
    for member in members:
        if key == member_key(member.code) or key in map(member_key, member.aliases):
            return member
    return None


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice `word` was most likely meant to be, for a "did you mean"."""
    by_key = {member_key(c): c for c in choices}
    found = difflib.get_close_matches(member_key(word), list(by_key), n=1, cutoff=0.6)
    return by_key[found[0]] if found else None
