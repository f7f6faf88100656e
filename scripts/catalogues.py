"""Keep the gettext catalogues of the core and the plugins in step with the code.

    python scripts/catalogues.py            extract, then update nl/fr/en .po files
    python scripts/catalogues.py --check    exit 1 when a msgid in the code is missing from
                                            a catalogue (the test suite runs this check too)
    python scripts/catalogues.py --fill FILE
                                            extract and update, then write the translations of
                                            FILE (JSON: a list of {"msgid", optional
                                            "msgid_plural", optional "domain", "nl", "fr"}; a
                                            plural's "nl"/"fr" are lists) into the catalogues,
                                            and compile the .mo files

English is the source language; new entries arrive untranslated and the catalogue test
fails until someone writes their Dutch and French.
"""

from __future__ import annotations

import json
import sys
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("nl", "fr", "en")
METHODS = [
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2"),
    ("**/templates/**.txt", "jinja2"),
]
KEYWORDS = {
    "_": None,
    "_l": None,
    "gettext": None,
    "lazy_gettext": None,
    "ngettext": (1, 2),
    "lazy_ngettext": (1, 2),
}


def components() -> list[tuple[str, Path, Path]]:
    """(gettext domain, source folder, translations folder) for the core and each plugin."""
    found = [("messages", ROOT / "core", ROOT / "core" / "translations")]
    # A package has an __init__.py; this leaves out the concerto_*.egg-info folders of pip.
    for package in sorted(init.parent for init in ROOT.glob("plugins/*/concerto_*/__init__.py")):
        code = package.name.removeprefix("concerto_")
        found.append((f"concerto_{code}", package, package / "translations"))
    return found


def extract(source: Path) -> Catalog:
    catalog = Catalog()
    for filename, lineno, message, comments, context in extract_from_dir(
        source, METHODS, keywords=KEYWORDS, options_map={"**/templates/**.html": {}}
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(translations: Path, language: str, domain: str) -> Path:
    return translations / language / "LC_MESSAGES" / f"{domain}.po"


def load(path: Path, language: str) -> Catalog:
    if path.exists():
        with path.open("rb") as handle:
            return read_po(handle, locale=language)
    return Catalog(locale=language)


def update() -> None:
    for domain, source, translations in components():
        template = extract(source)
        for language in LANGUAGES:
            path = po_path(translations, language, domain)
            catalog = load(path, language)
            catalog.update(template, no_fuzzy_matching=True)
            path.parent.mkdir(parents=True, exist_ok=True)
            buffer = BytesIO()
            write_po(buffer, catalog, omit_header=False, no_location=True, sort_output=True)
            path.write_bytes(buffer.getvalue())


def missing() -> list[str]:
    """Every msgid in the code that a nl or fr catalogue lacks or leaves untranslated."""
    problems = []
    for domain, source, translations in components():
        # Each catalogue read once per component, not once per message (that took minutes).
        catalogs = {lang: load(po_path(translations, lang, domain), lang) for lang in ("nl", "fr")}
        for message in extract(source):
            if not message.id:
                continue
            for language, catalog in catalogs.items():
                entry = catalog.get(message.id, context=message.context)
                if entry is None or not entry.string or entry.fuzzy:
                    problems.append(f"{domain} [{language}]: {message.id!r}")
    return problems


def compile_all() -> None:
    """Build the .mo files from the .po files, as ./dev does."""
    for _domain, _source, translations in components():
        for po in translations.glob("*/LC_MESSAGES/*.po"):
            with po.open("rb") as source:
                catalog = read_po(source)
            with po.with_suffix(".mo").open("wb") as target:
                write_mo(target, catalog)


def fill(path: Path) -> list[str]:
    """Write the translations listed in a JSON file; return the msgids no catalogue has."""
    entries = json.loads(path.read_text(encoding="utf-8"))
    domains = {domain: translations for domain, _source, translations in components()}
    unknown = []
    for language in ("nl", "fr"):
        for domain, translations in domains.items():
            mine = [e for e in entries if e.get("domain", "messages") == domain]
            if not mine:
                continue
            po = po_path(translations, language, domain)
            catalog = load(po, language)
            for entry in mine:
                key = entry["msgid"]
                message = catalog.get(key, context=entry.get("context"))
                if message is None:
                    if language == "nl":
                        unknown.append(f"{domain}: {key!r}")
                    continue
                text = entry[language]
                message.string = tuple(text) if isinstance(message.id, tuple) else text
                message.flags.discard("fuzzy")
            buffer = BytesIO()
            write_po(buffer, catalog, omit_header=False, no_location=True, sort_output=True)
            po.write_bytes(buffer.getvalue())
    return unknown


if __name__ == "__main__":
    if "--fill" in sys.argv:
        update()
        unknown = fill(Path(sys.argv[sys.argv.index("--fill") + 1]))
        compile_all()
        print("\n".join(f"not in the code: {u}" for u in unknown) or "filled")
        sys.exit(1 if unknown else 0)
    if "--check" in sys.argv:
        gaps = missing()
        print("\n".join(gaps) or "catalogues complete")
        sys.exit(1 if gaps else 0)
    update()
