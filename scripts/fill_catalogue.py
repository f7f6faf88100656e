"""Fill the Dutch and French catalogues from a Python file holding ``T = {msgid: (nl, fr)}``.

    python scripts/fill_catalogue.py translations.py [plugin-code]

Entries already translated are kept unless listed; fuzzy marks are cleared for listed ones.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    table = runpy.run_path(sys.argv[1])["T"]
    folder = ROOT / "core" / "translations"
    domain = "messages"
    if len(sys.argv) > 2:
        code = sys.argv[2]
        folder = ROOT / "plugins" / code / f"concerto_{code}" / "translations"
        domain = f"concerto_{code}"
    for index, lang in enumerate(("nl", "fr")):
        path = folder / lang / "LC_MESSAGES" / f"{domain}.po"
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        for message in catalog:
            if message.id in table:
                message.string = table[message.id][index]
                if "fuzzy" in message.flags:
                    message.flags.discard("fuzzy")
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100)
    return 0


if __name__ == "__main__":
    sys.exit(main())
