"""The languages the bot speaks, how a reader's language is found (a Slack locale, a browser's
Accept-Language), and each language's gettext catalog (messages/locale, compiled at install)."""

import gettext
import io
import re
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from messages import Code, Commas, Text, say

LANGUAGES = ("en", "fr", "es")
DEFAULT = "en"
# Each language by its own name, for a language switcher.
NAMES = {"en": "English", "fr": "Français", "es": "Español"}
# The Babel locale whose lists, numbers and countdowns a language's readers expect (`a, b and c`), and
# the one for month names (`Sep`, where British English has `Sept`). Days are written day first in
# every language (`1 Sep 2011`, `1 sept. 2011`), as the UN writes them.
BABEL_LOCALES = {"en": "en_GB", "fr": "fr", "es": "es"}
MONTH_LOCALES = {"en": "en", "fr": "fr", "es": "es"}
DAY_PATTERN, DAY_IN_YEAR_PATTERN = "d MMM y", "d MMM"
# A pseudo-language for developers: the English with every line of every message marked, so that
# text shown without the marks did not come from the catalog. Never offered to users.
PSEUDO = "qps"
PSEUDO_OPEN, PSEUDO_CLOSE = "\u27e6", "\u27e7"
LOCALE_DIR = Path(__file__).parent / "locale"
SAME_INSTALL = 60.0
DOMAIN = "messages"


class UnknownLanguage(ValueError):
    def __init__(self, word: str) -> None:
        super().__init__(word)
        self.word = word


def _prefix(tag: str) -> str:
    """The language of a tag: `fr` of `fr`, `fr-FR`, `es-419`, `fr_FR.UTF-8`."""
    return re.split(r"[-_.@]", tag.strip().lower(), maxsplit=1)[0]


def check_language(word: str) -> str:
    """One of our languages, named by its code or a locale of it (`fr-CA`); else UnknownLanguage."""
    language = _prefix(word)
    if language not in LANGUAGES:
        raise UnknownLanguage(word)
    return language


def unknown_language(word: str) -> Text:
    """What the bot says of a language it does not speak, naming the ones it does."""
    shown = word if len(word) <= 20 else word[:19] + "…"
    return say("language.unknown", word=shown, languages=Commas(tuple(Code(code) for code in LANGUAGES)))


def of_locale(locale: str | None) -> str:
    """A Slack or browser locale (`fr-FR`, `es-419`, `en_GB`) as one of our languages; English else."""
    prefix = _prefix(locale or "")
    return prefix if prefix in LANGUAGES else DEFAULT


def of_accept_language(header: str | None) -> str:
    """The language a browser asks for first among ours (RFC 9110 Accept-Language, `q` weights)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "")[:2000].split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip():
            # A weight is `q=` and 0 to 1 with at most three decimals; anything else ranks nothing.
            match = re.fullmatch(r"\s*q\s*=\s*(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)\s*", params)
            weight = float(match.group(1)) if match else 0.0
        prefix = _prefix(tag)
        if prefix in LANGUAGES and weight > 0:
            ranked.append((-weight, position, prefix))
    return min(ranked)[2] if ranked else DEFAULT


def babel_locale(language: str) -> str:
    return BABEL_LOCALES.get(language, BABEL_LOCALES[DEFAULT])


def month_locale(language: str) -> str:
    return MONTH_LOCALES.get(language, MONTH_LOCALES[DEFAULT])


@cache
def translations(language: str) -> gettext.GNUTranslations:
    """A language's catalog: its compiled `.mo`, or, where the `.po` was edited after the last
    compilation (a checkout being worked on), the `.po` compiled here."""
    if language == PSEUDO:
        return _pseudo()
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    # An install writes both within moments, in either order; an edit comes later than that.
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime - SAME_INSTALL):
        with mo.open("rb") as compiled:
            return gettext.GNUTranslations(compiled)
    return from_po(po.read_bytes())


def from_po(po: bytes) -> gettext.GNUTranslations:
    return _compiled(read_po(io.BytesIO(po)))


def _pseudo() -> gettext.GNUTranslations:
    with (LOCALE_DIR / DEFAULT / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as english:
        catalog = read_po(english)
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, str):
            message.string = _marked(message.id)
        else:
            message.string = tuple(_marked(m) for m in message.id)
    return _compiled(catalog)


def _compiled(catalog: Catalog) -> gettext.GNUTranslations:
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _marked(template: str) -> str:
    return "\n".join(f"{PSEUDO_OPEN}{line}{PSEUDO_CLOSE}" if line else line for line in template.split("\n"))
