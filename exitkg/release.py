"""``exitkg release --version X``: stamp a version on the ontology and the package.

The version lives in two places that must agree: the ontology header (``owl:versionInfo`` and
``owl:versionIRI <https://w3id.org/exitkg/ontology/X>``) and ``exitkg/__init__.py``
(``__version__``, which the package metadata reads). Nobody edits them by hand; this step
rewrites both in a source checkout, atomically, after checking that the new ontology still
parses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from exitkg.errors import InputError, UsageError
from exitkg.namespaces import ONTOLOGY_IRI

_VERSION = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:-[0-9A-Za-z.-]+)?$")
_INFO = re.compile(r'^(\s*owl:versionInfo\s+)"[^"]*"(\s*;\s*)$', re.MULTILINE)
_IRI = re.compile(r"^(\s*owl:versionIRI\s+)<" + re.escape(ONTOLOGY_IRI) + r"/[^>]*>(\s*;\s*)$", re.MULTILINE)
_PY = re.compile(r'^__version__ = "[^"]*"$', re.MULTILINE)


@dataclass
class ReleaseResult:
    version: str
    previous: str
    files: list[str]

    def describe(self) -> str:
        return f"version {self.previous} -> {self.version}: " + ", ".join(self.files) + "\n"


def checkout_root() -> Path:
    return Path(__file__).resolve().parent.parent


def _replace_once(pattern: re.Pattern, text: str, replacement, what: str, path: Path) -> str:
    new, count = pattern.subn(replacement, text)
    if count != 1:
        raise InputError(f"{path}: expected exactly one {what} line, found {count}")
    return new


def release(version: str, root: str | Path | None = None) -> ReleaseResult:
    """Stamp *version* on the ontology header and the package version in the checkout at *root*."""
    from exitkg.fsutil import atomic_write_text

    if not _VERSION.match(version):
        raise UsageError(f"version {version!r} is not of the form MAJOR.MINOR.PATCH (optionally -suffix)")
    base = Path(root) if root is not None else checkout_root()
    ontology = base / "ontology" / "exit-factors.ttl"
    package = base / "exitkg" / "__init__.py"
    for path in (ontology, package):
        if not path.is_file():
            raise InputError(f"{path}: not found; releases are stamped in a source checkout")
    onto_text = ontology.read_text(encoding="utf-8")
    py_text = package.read_text(encoding="utf-8")
    previous = _PY.search(py_text)
    previous_version = previous.group(0).split('"')[1] if previous else "?"

    onto_text = _replace_once(_INFO, onto_text, lambda m: f'{m.group(1)}"{version}"{m.group(2)}', "owl:versionInfo", ontology)
    onto_text = _replace_once(_IRI, onto_text, lambda m: f"{m.group(1)}<{ONTOLOGY_IRI}/{version}>{m.group(2)}",
                              "owl:versionIRI", ontology)
    py_text = _replace_once(_PY, py_text, f'__version__ = "{version}"', "__version__", package)

    import pyoxigraph as ox

    try:
        list(ox.parse(onto_text.encode("utf-8"), format=ox.RdfFormat.TURTLE))
    except SyntaxError as exc:  # pragma: no cover - the substitutions keep the syntax
        raise InputError(f"{ontology}: the stamped ontology does not parse: {exc}") from None
    atomic_write_text(ontology, onto_text)
    atomic_write_text(package, py_text)
    return ReleaseResult(version=version, previous=previous_version, files=[str(ontology), str(package)])
