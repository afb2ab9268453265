"""The build compiles the gettext catalogs (messages/locale/*/LC_MESSAGES/messages.po) into the `.mo`
files the bot reads, next to them in the build (never in the checkout), so that `pip install .` gives
a bot that speaks every language; everything else is declared in pyproject.toml."""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

LOCALE_DIR = Path(__file__).parent / "messages" / "locale"


class BuildWithCatalogs(build_py):
    def run(self) -> None:
        super().run()
        for po in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po")):
            with po.open("rb") as source:
                catalog = read_po(source, locale=po.parent.parent.name)
            built = Path(self.build_lib) / po.relative_to(LOCALE_DIR.parent.parent).with_suffix(".mo")
            built.parent.mkdir(parents=True, exist_ok=True)
            with built.open("wb") as compiled:
                write_mo(compiled, catalog)


setup(cmdclass={"build_py": BuildWithCatalogs})
