"""`python -m messages.update`: the gettext catalogs brought up to date with the catalog modules.

Extracts messages/locale/messages.pot (babel.cfg), merges it into every language's `.po` (an entry
whose English changed comes back fuzzy, to be translated again), and writes the English catalog's
entries as their source, since the catalog modules are written in English."""

import io
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

from messages.languages import DEFAULT, DOMAIN, LOCALE_DIR

ROOT = Path(__file__).parent.parent
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"


def main() -> None:
    extract = ["extract", "-F", str(ROOT / "babel.cfg"), "-o", str(TEMPLATE), "--no-location"]
    CommandLineInterface().run(["pybabel", "-q", *extract, "--omit-header", str(ROOT)])  # type: ignore[no-untyped-call]
    update = ["update", "-i", str(TEMPLATE), "-d", str(LOCALE_DIR), "-D", DOMAIN, "--ignore-obsolete"]
    CommandLineInterface().run(["pybabel", "-q", *update, "--width", "100"])  # type: ignore[no-untyped-call]
    english = LOCALE_DIR / DEFAULT / "LC_MESSAGES" / f"{DOMAIN}.po"
    catalog = read_po(io.BytesIO(english.read_bytes()))
    for message in catalog:
        if message.id:
            message.string = message.id
            message.flags.discard("fuzzy")
    with english.open("wb") as out:
        write_po(out, catalog, width=100)


if __name__ == "__main__":
    main()
