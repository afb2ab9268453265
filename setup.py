"""The build compiles the gettext catalogs (messages/locale/*/LC_MESSAGES/messages.po) into the `.mo`
files the bot reads, so that `pip install .` gives a bot that speaks every language; everything else
is declared in pyproject.toml."""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

LOCALE_DIR = Path(__file__).parent / "messages" / "locale"


class BuildWithCatalogs(build_py):
    def run(self) -> None:
        for po in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po")):
            with po.open("rb") as source:
                catalog = read_po(source, locale=po.parent.parent.name)
            with po.with_suffix(".mo").open("wb") as compiled:
                write_mo(compiled, catalog)
        super().run()


setup(cmdclass={"build_py": BuildWithCatalogs})
