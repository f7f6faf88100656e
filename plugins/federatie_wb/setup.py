"""Compiles the gettext catalogues into the built distribution.

Only the .po files are kept in git. Building a wheel (directly, or from the sdist) writes
each ``translations/<lang>/LC_MESSAGES/<domain>.mo`` beside its copied .po in the build
folder, so a platform that installs the wheel with pip speaks Dutch and French. Editable
installs read the working tree, whose .mo files ``./dev`` compiles.

Everything else about the distribution is in pyproject.toml. The core and each plugin
carry this same file (tests/test_plugin_lifecycle.py checks they stay the same).
"""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithCatalogues(build_py):
    def _compiled_catalogues(self) -> list[Path]:
        """Where the .mo of each catalogue copied as package data goes."""
        return [
            Path(build_dir, name).with_suffix(".mo")
            for _package, _source, build_dir, names in self.data_files
            for name in names
            if name.endswith(".po") and Path(name).parent.name == "LC_MESSAGES"
        ]

    def build_package_data(self) -> None:
        super().build_package_data()
        for mo in self._compiled_catalogues():
            with mo.with_suffix(".po").open("rb") as source:
                catalogue = read_po(source)
            with mo.open("wb") as target:
                write_mo(target, catalogue)  # fuzzy entries stay out, as with ./dev

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = super().get_outputs(include_bytecode)
        if self.editable_mode:
            return outputs
        return sorted({*outputs, *map(str, self._compiled_catalogues())})


setup(cmdclass={"build_py": BuildPyWithCatalogues})
