"""Safe, strict parsing of RDF files.

Every file is parsed by pyoxigraph (a strict parser that reports positions) into pyoxigraph
quads; :mod:`exitkg.graph.local` loads them into one store. Problems are reported as
:class:`~exitkg.core.errors.InputError` with a one-line message, ``<path>:<line>:<column>: <message>``
when a position is known.

Refused inputs: missing files, directories, unreadable files, empty files,
files that parse to zero triples, bytes that are not UTF-8, XML containing
``<!DOCTYPE`` or ``<!ENTITY`` declarations, relative IRIs without a base,
RDF 1.2 triple terms, and unsupported formats (N3).

Input files are only read, never modified.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Union

from exitkg.core.errors import InputError, one_line
from exitkg.rdf.namespaces import EKG, PREFIXES, RDF

RDF_TYPE = RDF + "type"
SOURCE_CLASS = EKG + "Source"

if TYPE_CHECKING:  # pragma: no cover
    import rdflib

PathLike = Union[str, "os.PathLike[str]"]

#: File extension -> format name.
FORMATS: dict[str, str] = {
    ".ttl": "turtle",
    ".nt": "ntriples",
    ".nq": "nquads",
    ".trig": "trig",
    ".rdf": "rdfxml",
    ".owl": "rdfxml",
    ".xml": "rdfxml",
    ".jsonld": "jsonld",
    ".json": "jsonld",
}

#: Extensions that are recognised but deliberately not supported.
UNSUPPORTED: dict[str, str] = {
    ".n3": "N3 is not supported; convert the file to Turtle (.ttl)",
}

_XML_DECL = re.compile(r"<!\s*(DOCTYPE|ENTITY)\b", re.IGNORECASE)
_OX_PREFIX = re.compile(r"^Parser error [^:]*:\s*")
_OX_SUFFIX = re.compile(r"\s*\(line \d+\)\s*$")


#: the input formats, as ``--input-format`` names them, with their names for people
INPUT_FORMATS: dict[str, str] = {
    "turtle": "Turtle", "ntriples": "N-Triples", "nquads": "N-Quads", "trig": "TriG",
    "rdfxml": "RDF/XML", "jsonld": "JSON-LD",
}


def _reads_as(text: str, fmt: str) -> str | None:
    """The format *text* parses in, when the one expected (*fmt*) failed: tried by its first
    character (JSON-LD, RDF/XML, else the Turtle family), or None."""
    import pyoxigraph as ox

    start = text.lstrip("\ufeff \t\r\n")[:1]
    candidates = ["jsonld"] if start in "{[" else ["rdfxml"] if start == "<" and _looks_like_xml(text) else []
    candidates += ["turtle", "trig", "nquads"]
    for other in candidates:
        if other == fmt or (other == "jsonld" and _json_depth(text) > MAX_JSON_DEPTH):
            continue
        try:
            for _ in ox.parse(text, format=_ox_format(other), base_iri=_RELATIVE if other == "jsonld" else None):
                pass
        except (SyntaxError, ValueError, MemoryError):
            continue
        return other
    return None


def check_base(base: str) -> str:
    """*base* if it is an absolute IRI (a base for relative IRIs), else :class:`InputError`."""
    import pyoxigraph as ox

    try:
        ox.NamedNode(base)
    except ValueError as exc:
        raise InputError(f"`base` {base!r} is not an IRI: {one_line(exc)}") from None
    if not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", base):
        raise InputError(f"`base` {base!r} is not an absolute IRI (it needs a scheme, such as https:)")
    return base


def supported_extensions() -> list[str]:
    """Return the supported file extensions, sorted."""
    return sorted(FORMATS)


def _ox_format(name: str):
    import pyoxigraph as ox

    return {
        "turtle": ox.RdfFormat.TURTLE,
        "ntriples": ox.RdfFormat.N_TRIPLES,
        "nquads": ox.RdfFormat.N_QUADS,
        "trig": ox.RdfFormat.TRIG,
        "rdfxml": ox.RdfFormat.RDF_XML,
        "jsonld": ox.RdfFormat.JSON_LD,
    }[name]


def _check_exists(path: Path, shown: str) -> None:
    try:
        if path.is_dir():
            raise InputError(f"{shown}: is a directory, not a file")
        if not path.exists():
            raise InputError(f"{shown}: no such file")
        if not path.is_file():  # a FIFO or a device would block the read, or never end
            raise InputError(f"{shown}: not a regular file (a pipe or a device); give a file")
    except OSError as exc:  # a name too long, a loop of links ...
        raise InputError(f"{shown[:200]}{'...' if len(shown) > 200 else ''}: "
                         f"cannot read: {exc.strerror or exc}") from None


def _read_bytes(path: Path, shown: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{shown}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{shown}: is a directory, not a file") from None
    except PermissionError:
        raise InputError(f"{shown}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{shown}: cannot read file: {exc.strerror or exc}") from None


def _decode_utf8(data: bytes, shown: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        column = len(data[line_start:exc.start].decode("utf-8", errors="replace")) + 1
        bad = data[exc.start:exc.start + 1].hex().upper()
        name, code = _likely_encoding(data)
        raise InputError(
            f"{shown}:{line}:{column}: invalid UTF-8 byte 0x{bad} at byte {exc.start:,} (files must be UTF-8 "
            f"encoded); it looks like {name}: convert it, e.g. iconv -f {code} -t UTF-8"
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def _likely_encoding(data: bytes) -> tuple[str, str]:
    """(a name, an iconv name) of the encoding *data*, which is not UTF-8, most likely has."""
    if data[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
        return "UTF-32 (it starts with a byte-order mark)", "UTF-32"
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "UTF-16 (it starts with a byte-order mark)", "UTF-16"
    sample = data[:4096]
    if sample.count(0) * 4 > len(sample):
        return "UTF-16 (every other byte is zero)", "UTF-16LE" if sample[1:2] == b"\x00" else "UTF-16BE"
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return "Latin-1 (ISO-8859-1)", "ISO-8859-1"
    return "Windows-1252 or Latin-1", "WINDOWS-1252"


def read_text(path: PathLike) -> str:
    """Read a UTF-8 text file (a leading byte-order mark is dropped).

    Every problem is one :class:`InputError` line naming the file: missing, a directory,
    unreadable, or not UTF-8 (with the line and column of the first bad byte).
    """
    shown = os.fsdecode(path)
    file = Path(shown)
    _check_exists(file, shown)
    return _decode_utf8(_read_bytes(file, shown), shown)


#: the formats whose IRIs --repair-iris repairs: IRIs written between < and >
REPAIRABLE = ("turtle", "trig", "ntriples", "nquads")
#: what an IRI written between < and > may not hold (Turtle's and N-Triples' IRIREF): controls,
#: space, < " { } | ^ ` and a backslash that does not start \uXXXX or \UXXXXXXXX
_IRI_BAD = frozenset(chr(c) for c in range(0x21)) | frozenset('<"{}|^`\\\x7f')
_UCHAR = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})")
_LONG_QUOTES = ('"' * 3, "'" * 3)


def _percent_encode(iri: str) -> str:
    out, i = [], 0
    while i < len(iri):
        m = _UCHAR.match(iri, i) if iri[i] == "\\" else None
        if m:
            out.append(m.group(0))
            i = m.end()
            continue
        c = iri[i]
        out.append("".join(f"%{b:02X}" for b in c.encode("utf-8")) if c in _IRI_BAD else c)
        i += 1
    return "".join(out)


def repair_iris(text: str) -> tuple[str, list[tuple[int, int, str, str]]]:
    """*text* (Turtle, TriG, N-Triples or N-Quads) with the characters an IRI may not hold
    percent-encoded in each IRI written between ``<`` and ``>``, and the changes made, as
    (line, column, IRI as written, IRI as repaired). Strings and comments are left alone; an
    IRI with no ``>`` on its line is left for the parser to report."""
    out, changes = [], []
    i, n, last, line, line_start = 0, len(text), 0, 1, 0
    while i < n:
        c = text[i]
        if c == "\n":
            line, line_start = line + 1, i + 1
            i += 1
        elif c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c in "\"'":
            quote = text[i:i + 3] if text[i:i + 3] in _LONG_QUOTES else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                if text[j] == "\n":
                    if len(quote) == 1:
                        break
                    line, line_start = line + 1, j + 1
                j += 2 if text[j] == "\\" else 1
            i = j + len(quote)
        elif c == "<" and text.startswith("<<", i):  # an RDF 1.2 triple term: refused later, not an IRI
            i += 2
        elif c == "<":
            j = text.find(">", i + 1)
            eol = text.find("\n", i + 1)
            if j < 0 or 0 <= eol < j:
                i += 1
                continue
            iri = text[i + 1:j]
            fixed = _percent_encode(iri)
            if fixed != iri:
                changes.append((line, i - line_start + 1, iri, fixed))
                out.append(text[last:i + 1])
                out.append(fixed)
                last = j
            i = j + 1
        else:
            i += 1
    if not changes:
        return text, []
    out.append(text[last:])
    return "".join(out), changes


def _looks_like_xml(text: str) -> bool:
    head = text.lstrip()
    return head.startswith("<?xml") or head.startswith("<!")


def _xml_error_position(text: str) -> tuple[int, int, str] | None:
    """Locate a well-formedness error in XML *text* with expat (DOCTYPE already refused)."""
    from xml.parsers import expat

    parser = expat.ParserCreate(namespace_separator=" ")
    try:
        parser.Parse(text.encode("utf-8"), True)
    except expat.ExpatError as exc:
        return exc.lineno, exc.offset + 1, expat.ErrorString(exc.code)
    return None


def _syntax_message(exc: Exception, shown: str, fmt: str, text: str) -> str:
    message = one_line(str(exc))
    message = _OX_SUFFIX.sub("", _OX_PREFIX.sub("", message)) or "syntax error"
    line = getattr(exc, "lineno", None)
    column = getattr(exc, "offset", None)
    if line is None and fmt == "rdfxml":
        located = _xml_error_position(text)
        if located is not None:
            line, column, xml_message = located
            message = f"{message} ({xml_message})"
    if "LoadDocumentCallback" in message:
        urls = sorted({u for block in re.findall(r'"@(?:context|import)"\s*:\s*(\[[^\]]*\]|"[^"]*")', text)
                       for u in re.findall(r'"([^"]+)"', block) if ":" in u})
        message = ("remote JSON-LD contexts are not loaded" + (f" ({', '.join(urls)})" if urls else "")
                   + "; embed the @context in the file, or give a local copy with `context_map`")
    if line is not None and "IRI" in message:  # name the IRI, control characters escaped
        lines = text.splitlines()
        if 0 < line <= len(lines):
            row = lines[line - 1]
            start = row.rfind("<", 0, max(column or 1, 1))
            if start >= 0:
                end = row.find(">", start)
                iri = row[start:end + 1 if end >= 0 else start + 120][:120]
                message += f" in {ascii(iri)}"
    message = re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\x{ord(m.group()):02x}", message)  # never raw to a terminal
    declared = re.match(r"The prefix (\S*): has not been declared", message)
    if declared:
        message += f"; add '@prefix {declared.group(1)}: <...> .' at the top of the file"
    elif "No scheme found in an absolute IRI" in message and fmt in ("turtle", "trig"):
        message += "; a relative IRI needs a base: add '@base <...> .' at the top of the file, or write it whole"
    elif "No scheme found in an absolute IRI" in message and fmt == "rdfxml":
        message += "; a relative IRI needs a base: add xml:base to the rdf:RDF element, or write it whole"
    elif "Invalid IRI code point" in message and fmt in REPAIRABLE:
        message += "; `repair_iris` reads such IRIs percent-encoded"
    if line is not None:
        return f"{shown}:{line}:{column if column is not None else 1}: {message}"
    return f"{shown}: {message}"


XSD_NS = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = XSD_NS + "string"


#: a language tag as a file writes it: after a string (N-Triples and N-Quads quote with " only),
#: in RDF/XML's xml:lang, as JSON-LD's @language
_TAG = r"([A-Za-z]+(?:-[A-Za-z0-9]+)*)"
_TAG_SPELLINGS = {
    "ntriples": re.compile('"@' + _TAG), "nquads": re.compile('"@' + _TAG),
    "turtle": re.compile("[\"']@" + _TAG), "trig": re.compile("[\"']@" + _TAG),
    "rdfxml": re.compile("xml:lang\\s*=\\s*[\"']" + _TAG + "[\"']"),
    "jsonld": re.compile('"@language"\\s*:\\s*"' + _TAG + '"'),
}

#: what a file must hold to have a language tag (one character is found fastest)
_TAG_MARKERS = {"ntriples": "@", "nquads": "@", "turtle": "@", "trig": "@", "rdfxml": "xml:lang",
                "jsonld": "@language"}


def tag_spellings(text: str, fmt: str) -> frozenset[str]:
    """The spellings of the language tags *text* (a file in format *fmt*) writes, as written
    (``en-GB``), which Oxigraph keeps in lower case. Read from the text, so a string that holds
    what looks like a tag (``"say \\"@Hi"``) adds a spelling that no literal may have: harmless,
    unless a literal has that tag in another case (then two spellings of one tag are reported)."""
    pattern = _TAG_SPELLINGS.get(fmt)
    if pattern is None or _TAG_MARKERS[fmt] not in text:  # most files: one fast scan
        return frozenset()
    return frozenset(pattern.findall(text))


def short_literal(value: str, datatype: str) -> str:
    """A typed literal as a reader would write it, long forms cut."""
    shown = value if len(value) <= 40 else value[:37] + "..."
    return f'"{shown}"^^xsd:{datatype[len(XSD_NS):]}' if datatype.startswith(XSD_NS) else f'"{shown}"^^<{datatype}>'


#: the largest literal or IRI the parser reads (pyoxigraph's buffer for one token)
MAX_TOKEN_BYTES = 16 * 2**20
#: the deepest nesting of JSON arrays and objects read (pyoxigraph's JSON-LD parser, like most,
#: recurses per level; a few thousand levels end the process)
MAX_JSON_DEPTH = 500
#: a base for JSON-LD only: a relative IRI resolves under it, and is then refused (JSON-LD
#: processors otherwise drop what they cannot make absolute, without a word)
_RELATIVE = "http://relative.iri.invalid/"
#: an @vocab for JSON-LD only, in a second reading: a key the document's context does not map
#: comes out under it, and is then refused (JSON-LD processors drop such keys)
_UNMAPPED = "http://unmapped.key.invalid/"


def _unmapped_key(text: str) -> str | None:
    """The first key (or type) of a JSON-LD document that its context leaves unmapped, or None.

    The document is read a second time with an ``@vocab`` of :data:`_UNMAPPED` put before its own
    context: what the first reading dropped comes out under that vocabulary."""
    import json

    import pyoxigraph as ox

    document = json.loads(text)
    vocab = {"@vocab": _UNMAPPED}
    if isinstance(document, dict) and "@context" in document:
        own = document["@context"]
        document["@context"] = [vocab] + (own if isinstance(own, list) else [own])
    elif isinstance(document, dict):
        document["@context"] = vocab
    else:
        document = {"@context": vocab, "@graph": document}
    try:
        for quad in ox.parse(json.dumps(document), format=ox.RdfFormat.JSON_LD, base_iri=_RELATIVE):
            for term in (quad.predicate, quad.object):
                if isinstance(term, ox.NamedNode) and term.value.startswith(_UNMAPPED):
                    return term.value[len(_UNMAPPED):]
    except (SyntaxError, ValueError):  # the first reading accepted it; this one proves nothing
        return None
    return None


def _dropped_statements(text: str, base: str, kept: int) -> str | None:
    """What a strict JSON-LD reading of *text* dropped, or None when it kept all.

    JSON-LD processors leave out, without a word, a statement whose node, property or type IRI is
    not a valid IRI (a space, a brace ...) or whose value has an ill-formed language tag. The text
    is read again without those checks: its statements beyond the *kept* ones are the dropped
    ones, named (the first three) after ``:line:column`` of the first, when it can be found."""
    import json

    import pyoxigraph as ox

    try:
        quads = list(ox.parse(text, format=ox.RdfFormat.JSON_LD, base_iri=base, lenient=True))
    except (SyntaxError, ValueError):
        return None
    if len(quads) <= kept:
        return None
    found: list[tuple[str, str]] = []  # (what, its text as written)
    for quad in quads:
        for role, term in (("node", quad.subject), ("property", quad.predicate), ("value", quad.object),
                           ("graph", quad.graph_name)):
            if isinstance(term, ox.NamedNode):
                try:
                    ox.NamedNode(term.value)
                except ValueError:
                    kind = "type" if role == "value" and quad.predicate.value == RDF_TYPE else role
                    found.append((f"the {kind} IRI <{_shown_iri(term.value)}>", term.value))
            elif isinstance(term, ox.Literal) and term.language is not None:
                try:
                    ox.Literal("", language=term.language)
                except ValueError:
                    found.append((f"the language tag {term.language!r}", term.language))
            elif isinstance(term, ox.Literal):
                try:
                    ox.NamedNode(term.datatype.value)
                except ValueError:
                    found.append((f"the datatype IRI <{_shown_iri(term.datatype.value)}>", term.datatype.value))
    named = list(dict.fromkeys(found))
    where = ""
    if named:
        at = text.find(json.dumps(named[0][1])[1:-1])
        if at >= 0:
            where = f":{text.count(chr(10), 0, at) + 1}:{at - (text.rfind(chr(10), 0, at) + 1) + 1}"
    dropped = len(quads) - kept
    what = ", ".join(n for n, _ in named[:3]) + (", ..." if len(named) > 3 else "")
    return (f"{where}: JSON-LD would drop {dropped} statement{'s' if dropped != 1 else ''}"
            + (f" ({what})" if what else "") + "; an IRI may not hold a space, a brace, a quote or a control "
            "character (percent-encode it), and a language tag is a BCP 47 tag")


def read_context_map(path: PathLike) -> dict:
    """A context map: a JSON object from context URLs to local files (paths relative to the map),
    each a JSON-LD context document; the contexts it maps, as ``{url: context}``."""
    import json

    shown = os.fsdecode(path)
    file = Path(shown)
    _check_exists(file, shown)
    try:
        mapping = json.loads(_decode_utf8(_read_bytes(file, shown), shown))
    except ValueError as exc:
        raise InputError(f"{shown}: the context map is not JSON ({one_line(exc)})") from None
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise InputError(f"{shown}: a context map is a JSON object from context URLs to local files")
    contexts = {}
    for url, local in mapping.items():
        target = (file.parent / local) if not Path(local).is_absolute() else Path(local)
        where = f"{shown}: {url!r} maps to {os.fsdecode(target)}"
        if not target.is_file():
            raise InputError(f"{where}, which is not a file")
        try:
            document = json.loads(_decode_utf8(_read_bytes(target, os.fsdecode(target)), os.fsdecode(target)))
        except ValueError as exc:
            raise InputError(f"{where}, which is not JSON ({one_line(exc)})") from None
        context = document.get("@context") if isinstance(document, dict) else None
        if not isinstance(context, (dict, list)):
            raise InputError(f"{where}, which holds no @context object")
        contexts[url] = context
    return contexts


class Reading(NamedTuple):
    """How the files a user names are read, carried whole from the command line or the Python API
    to the loader (:func:`exitkg.graph.local.load`, :func:`exitkg.serve.serve.serve`,
    :func:`exitkg.publish.release.build_release`): their format (whatever their extension) and the base
    IRI their relative IRIs resolve against (None for each: by extension, and no base), and the
    options below. :func:`as_reading` makes one from keyword arguments."""

    format: str | None = None
    base: str | None = None
    #: percent-encode the characters an IRI may not hold (Turtle, TriG, N-Triples, N-Quads)
    repair_iris: bool = False
    #: read an empty file, or one without triples, as no statements instead of stopping
    allow_empty: bool = False
    #: a JSON file mapping remote JSON-LD context URLs to local copies
    context_map: str | None = None
    #: the contexts that file maps, read once (:func:`exitkg.rdf.files.read_context_map`)
    contexts: dict | None = None
    #: the bytes the files may hold in all, checked before any is read
    max_bytes: int | None = None
    #: the statements the files may hold in all, counted as they are read
    max_triples: int | None = None

    def prepared(self) -> Reading:
        """This reading checked (the limits are whole numbers, 0 or more) and with the contexts of
        its context map read, once: a bad map is an error before any input is read."""
        for name, limit in (("max_bytes", self.max_bytes), ("max_triples", self.max_triples)):
            if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
                raise InputError(f"{name} must be a whole number, 0 or more (given {limit!r})")
        if self.context_map is None:
            return self
        mapped = os.fsdecode(self.context_map)
        return self._replace(context_map=mapped,
                             contexts=self.contexts if self.contexts is not None else read_context_map(mapped))


def as_reading(reading: Reading | None = None, **options) -> Reading:
    """*reading* (default: every option off) with *options*, named as :class:`Reading`'s fields
    (``input_format`` is taken for ``format``), replacing its fields; :class:`TypeError` for a
    name that is not one."""
    if "input_format" in options:
        if "format" in options:
            raise TypeError("give format or input_format, not both")
        options["format"] = options.pop("input_format")
    unknown = sorted(set(options) - set(Reading._fields))
    if unknown:
        raise TypeError(f"not a reading option: {', '.join(unknown)} (the options: {', '.join(Reading._fields)})")
    return (reading or Reading())._replace(**options)


def _apply_context_map(text: str, contexts: dict) -> tuple[str, list[str]]:
    """The JSON-LD *text* with each ``@context`` (and ``@import``) URL that *contexts* maps
    replaced by the local context, and the URLs replaced. A local context that names another
    mapped URL is replaced in turn, at most :data:`MAX_JSON_DEPTH` times."""
    import json

    used: list[str] = []

    def local(value, depth: int):
        if depth > MAX_JSON_DEPTH:
            return value
        if isinstance(value, str) and value in contexts:
            used.append(value)
            return local(contexts[value], depth + 1)
        if isinstance(value, list):
            return [local(v, depth + 1) for v in value]
        if isinstance(value, dict) and isinstance(value.get("@import"), str) and value["@import"] in contexts:
            url = value["@import"]
            used.append(url)
            imported = local(contexts[url], depth + 1)
            merged = {k: v for k, v in value.items() if k != "@import"}
            base = imported if isinstance(imported, dict) else {}
            return [imported, merged] if not isinstance(imported, dict) else {**base, **merged}
        return value

    def walk(node, depth: int):
        if depth > MAX_JSON_DEPTH:
            return node
        if isinstance(node, dict):
            return {k: (local(v, 0) if k == "@context" else walk(v, depth + 1)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, depth + 1) for v in node]
        return node

    document = walk(json.loads(text), 0)
    return (json.dumps(document), sorted(set(used))) if used else (text, [])


def _json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in a JSON text (strings skipped), without recursion."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def stored_forms(literals) -> dict[tuple[str, str], tuple[str, str]]:
    """The typed literals (lexical form, datatype IRI) of *literals* that the store would keep in
    another form, each with the form it would keep.

    Oxigraph's store keeps numbers, booleans, dates, times and durations as values, not as text
    (oxigraph/oxigraph#526): ``"01"^^xsd:integer`` comes back as ``"1"``, ``"1e400"^^xsd:double`` as
    ``"INF"``, ``"1"^^xsd:int`` as ``"1"^^xsd:integer``. Each literal is stored once in a scratch
    store and read back, so the answer is the store's own, whatever its version does.
    """
    import pyoxigraph as ox

    literals = sorted(lit for lit in literals if not _kept_as_written(*lit))
    if not literals:
        return {}
    scratch = ox.Store()
    predicate = ox.NamedNode("urn:exitkg:value")
    scratch.extend(ox.Quad(ox.NamedNode(f"urn:exitkg:{i}"), predicate, ox.Literal(value, datatype=ox.NamedNode(dt)))
                   for i, (value, dt) in enumerate(literals))
    changed = {}
    for quad in scratch.quads_for_pattern(None, predicate, None):
        assert isinstance(quad.subject, ox.NamedNode) and isinstance(quad.object, ox.Literal)  # as put in above
        original = literals[int(quad.subject.value[len("urn:exitkg:"):])]
        kept = (quad.object.value, quad.object.datatype.value)
        if kept != original:
            changed[original] = kept
    return changed


#: canonical forms the store keeps as written (a test stores samples of each to confirm it):
#: integers of up to 18 digits without a sign or leading zero (or with a minus), and the booleans
_CANONICAL = {XSD_NS + "integer": re.compile(r"0|-?[1-9][0-9]{0,17}"), XSD_NS + "boolean": re.compile(r"true|false")}


def _not_canonical(literals: set) -> set:
    """The typed literals of *literals* (lexical form, datatype IRI) not known to be kept as
    written (:func:`_kept_as_written`): the only ones that can be stored in another form or be
    ill-typed. The literals of a datatype are tested at once, with one pattern over them all."""
    by_type: dict[str, list[str]] = {}
    for value, datatype in literals:
        by_type.setdefault(datatype, []).append(value)
    rest: set[tuple[str, str]] = set()
    for datatype, values in by_type.items():
        pattern = _CANONICAL.get(datatype)
        if pattern is not None and "\n" not in "".join(values):
            every = f"(?:{pattern.pattern})(?:\n(?:{pattern.pattern}))*"
            if re.fullmatch(every, "\n".join(values)) is not None:
                continue
        rest.update((value, datatype) for value in values if not _kept_as_written(value, datatype))
    return rest


def _kept_as_written(value: str, datatype: str) -> bool:
    """Whether the store keeps the typed literal as written, known without storing it."""
    pattern = _CANONICAL.get(datatype)
    return pattern is not None and pattern.fullmatch(value) is not None


#: XSD 1.1 time zones and years (at least four digits, year 0 allowed)
_TZ = r"(?:Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))?"
_YEAR = r"-?(?:[1-9][0-9]{3,}|0[0-9]{3})"
#: lexical spaces simple enough for a pattern (XSD 1.1), checked without rdflib (the datatypes of
#: the packaged graph among them, so that reading it needs no rdflib)
_LEXICAL = {XSD_NS + name: re.compile(pattern) for name, pattern in (
    ("integer", r"[+-]?[0-9]+"), ("boolean", r"true|false|1|0"),
    ("nonNegativeInteger", r"\+?[0-9]+|-0+"),
    ("decimal", r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"),
    ("double", r"[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|INF)|-INF|NaN"),
    ("float", r"[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|INF)|-INF|NaN"),
    ("gYear", _YEAR + _TZ),
    ("gYearMonth", _YEAR + r"-(?:0[1-9]|1[0-2])" + _TZ),
    ("date", f"({_YEAR})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])" + _TZ),
)}
_DATE = XSD_NS + "date"


def _a_real_day(match: re.Match) -> bool:
    """Whether a date the pattern took names a day of its month (no 30 February); years are
    proleptic Gregorian, 0 a leap year (XSD 1.1)."""
    import calendar

    year, month, day = (int(g) for g in match.groups()[:3])
    return day <= calendar.monthrange(2000 if calendar.isleap(year) else 2001, month)[1]


def ill_typed(literals) -> list[tuple[str, str]]:
    """The XSD-typed literals whose lexical form is not in their datatype's lexical space
    (``"abc"^^xsd:integer``): RDF data still, but never the value they claim. Common datatypes
    are checked with a pattern; the others by rdflib."""
    import warnings

    rest = []
    wrong = []
    for value, datatype in literals:
        pattern = _LEXICAL.get(datatype)
        if pattern is None:
            rest.append((value, datatype))
        else:
            match = pattern.fullmatch(value)
            if match is None or (datatype == _DATE and not _a_real_day(match)):
                wrong.append((value, datatype))
    if rest:
        from rdflib import Literal, URIRef

        with warnings.catch_warnings():  # rdflib warns of each one it meets; they are reported here
            warnings.simplefilter("ignore")
            wrong += [lit for lit in rest if Literal(lit[0], datatype=URIRef(lit[1])).ill_typed]
    return sorted(wrong)


#: what a line of N-Triples or N-Quads must hold for the check to need its statement: a typed
#: literal (``^^``), an RDF 1.2 triple term (``<<(``, the only form these formats have), an escape
#: (``\\``: ``\\u`` may spell any IRI) or the class of sources; a line with a character beyond
#: ASCII is needed too
_NEEDED_IN_LINE = ("^^", "<<(", "\\", f"<{SOURCE_CLASS}>")
_STATEMENT_START = re.compile(r"^[ \t]*[<_]", re.M)
_OTHER_LINE = re.compile(r"^[ \t]*[^ \t<_#\r\n]", re.M)  # a line neither blank, nor a comment, nor a statement


#: the needles of :data:`_NEEDED_IN_LINE` but "^^", in bytes; as patterns, those a pattern finds faster
_NEEDED_IN_BYTES = (b"\\", f"<{SOURCE_CLASS}>".encode("ascii"), re.compile(rb"<<\("))
_CARETS = re.compile(rb"\^\^")
_STATEMENT_START_BYTES = re.compile(_STATEMENT_START.pattern.encode("ascii"), re.M)
_OTHER_LINE_BYTES = re.compile(_OTHER_LINE.pattern.encode("ascii"), re.M)
_XML_START = re.compile(rb"[ \t\r\n]*<[?!]")  # what _looks_like_xml finds, on the bytes of a line format


def _needed_lines_in_bytes(data: bytes) -> tuple[int, str, list] | None:
    """For the bytes of an N-Triples or N-Quads file (after its byte order mark): (its number of
    statements, the lines the check must parse, the lines it needs for their typed literal alone),
    or ``None`` when the text is not laid out so that lines can be trusted, or when a line it needs
    is not UTF-8 (the whole check then decodes the text and names the byte).

    A line-based format holds one statement per line (Oxigraph refuses two, or one split over
    lines), so the statements are the lines that start with a term, after spaces or tabs; blank
    and comment lines are the others. Of those lines, the check needs only those named by
    :data:`_NEEDED_IN_LINE`, and every line with a byte beyond ASCII (so a file that is not UTF-8
    is always found); only they are decoded. The bulk loader then reads the whole file, and where
    it finds an error the whole file is parsed again for its position. A line needed for its
    ``^^`` alone (no escape, no triple term, no source, only ASCII) is returned apart: its typed
    literal is read by a pattern (:func:`_typed_in_lines`), not by the parser. A carriage return
    not followed by a line feed (a line break of its own), or a line that is neither blank, nor a
    comment, nor the start of a statement (Turtle named .nt), is a layout not trusted."""
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        return None
    if data[:1] in (b"<", b"_") and re.search(rb"\n[^<_]", data) is None:
        count = data.count(b"\n") + (not data.endswith(b"\n"))  # every line is a statement
    elif _OTHER_LINE_BYTES.search(data):  # not a line format's layout: the whole check
        return None
    else:
        count = len(_STATEMENT_START_BYTES.findall(data))
    spans: set[tuple[int, int]] = set()  # the lines found by the needles other than "^^"

    def line_at(i: int, add) -> int:
        start = data.rfind(b"\n", 0, i) + 1
        end = data.find(b"\n", i)
        end = len(data) if end < 0 else end
        add((start, end))
        return end

    for needle in _NEEDED_IN_BYTES:
        if isinstance(needle, bytes):
            at = data.find(needle)
            while at >= 0:
                at = data.find(needle, line_at(at, spans.add))
            continue
        match = needle.search(data)
        while match is not None:
            match = needle.search(data, line_at(match.start(), spans.add))
    def beyond_ascii(start: int, stop: int, size: int) -> None:  # the lines of data[start:stop] with a byte
        while start < stop:  # beyond ASCII: by blocks of lines, each tested at once; a block that is not
            end = data.find(b"\n", start + size, stop)  # ASCII is tested by smaller blocks, then by line
            end = stop if end < 0 else end
            if size > 64 and not data[start:end].isascii():
                beyond_ascii(start, end, size // 32)
            elif size <= 64:
                at = start
                for line in data[start:end].split(b"\n"):
                    if not line.isascii():
                        spans.add((at, at + len(line)))
                    at += len(line) + 1
            start = end + 1

    if not data.isascii():
        beyond_ascii(0, len(data), 65536)
    typed: list[bytes] = []  # the lines found by "^^", in order, the lines parsed aside
    find, rfind, size, end = data.find, data.rfind, len(data), -1
    for match in _CARETS.finditer(data):  # line_at, inlined: most lines of a linked file are found so
        at = match.start()
        if at < end:  # a second "^^" on the line
            continue
        start = rfind(b"\n", 0, at) + 1
        end = find(b"\n", at)
        end = size if end < 0 else end
        if (start, end) not in spans:
            typed.append(data[start:end])
    try:
        needed = b"\n".join(data[start:end] for start, end in sorted(spans)).decode("utf-8")
        return count, needed, b"\n".join(typed).decode("utf-8").split("\n") if typed else []
    except UnicodeDecodeError:
        return None


def _tag_spellings_in_bytes(data: bytes, fmt: str) -> frozenset[str]:
    """:func:`tag_spellings` of the bytes of an N-Triples or N-Quads file (a tag is ASCII)."""
    if b"@" not in data:
        return frozenset()
    return frozenset(tag.decode("ascii") for tag in set(re.findall(_TAG_SPELLINGS[fmt].pattern.encode("ascii"), data)))


#: a statement of N-Triples or N-Quads whose object is a typed literal without escapes, on one
#: line: (predicate, lexical form, datatype) as written
_TYPED_LINE = re.compile(r'[ \t]*(?:<[^<>\s]*>|_:[^\s<]+)[ \t]*<([^<>\s]*)>[ \t]*"([^"\\\n]*)"\^\^<([^<>\s]*)>'
                         r'[ \t]*(?:<[^<>\s]*>|_:[^\s<.]+(?:\.+[^\s<.]+)*)?[ \t]*\.[ \t\r]*(?:#.*)?')


#: the same statements as written by Oxigraph and ``exitkg link`` (one space between terms), read
#: from many lines at once
_TYPED_LINES = re.compile(r'^(?:<[^>\n]*>|_:[^ \n]+) <([^>\n]*)> "([^"\n]*)"\^\^<([^>\n]*)>'
                          r'(?: <[^>\n]*>| _:[^ \n]+)? \.$', re.M)


def _typed_in_lines(lines: list[str]) -> list[tuple[str, str, str]] | None:
    """(predicate, lexical form, datatype) of each line of *lines* (N-Triples or N-Quads statements
    of ASCII text without escapes, one each) whose object is a typed literal, or ``None`` when a
    line is not such a statement (the parser reads them then). A statement taken here that is not
    well-formed (an IRI with a brace ...) stops the bulk loader, which then has the whole file
    parsed for the error's position."""
    laid_out = _TYPED_LINES.findall("\n".join(lines))  # one pattern over all: the usual layout
    if len(laid_out) == len(lines):
        return laid_out
    match = _TYPED_LINE.fullmatch
    found: list[tuple[str, str, str]] = [m.groups() for m in map(match, lines) if m is not None]  # type: ignore[misc]
    return found if len(found) == len(lines) else None


def parse_file(path: PathLike, *, keep: bool = True, input_format: str | None = None,
               base: str | None = None, repair: bool = False, allow_empty: bool = False,
               contexts: dict | None = None, whole: bool = False, max_triples: int | None = None) -> ParsedFile:
    """Parse one RDF file strictly; return its quads (pyoxigraph terms) and declared prefixes.

    Triples of a triple format come back in the default graph; TriG and N-Quads keep their named
    graphs. Blank nodes get fresh labels, so blank nodes of different files never merge.
    Raises :class:`InputError` with one line, ``<path>:<line>:<column>: <message>`` when the
    position is known.

    With ``keep=False`` the file is checked the same way but its quads are not kept: the result
    holds only what a loader needs to decide where they go (:attr:`ParsedFile.count`, the sources
    it declares, its prefixes), so a large file can then be bulk-loaded without its quads ever
    being Python objects at once. An N-Triples or N-Quads file, one statement per line, is then
    checked by line: its statements are counted from its lines, and only the lines that can hold
    what the check looks for (a typed literal, a source, an escaped or non-ASCII character, an
    RDF 1.2 triple term) are parsed; the bulk loader reads the rest, and a loader that meets an
    error there calls this again with ``whole=True``, which parses every statement, for the error's
    position.

    The typed literals the store would keep in another form (:func:`stored_forms`) come back in
    :attr:`ParsedFile.changed`, for the loader to restore on the way out; ill-typed literals are
    loaded as written and named in :attr:`ParsedFile.notes`.

    The format is the extension's (:data:`FORMATS`), or *input_format* (a key of
    :data:`INPUT_FORMATS`) whatever the extension. A file that does not parse in its extension's
    format but does in another is an error that names the other. Relative IRIs resolve against
    *base* (an absolute IRI); without it, a relative IRI is an error.

    With *repair*, the characters an IRI may not hold (a space, braces, ``|`` ...) are
    percent-encoded in the IRIs of a Turtle, TriG, N-Triples or N-Quads file before it is parsed
    (:func:`repair_iris`); each change is named in :attr:`ParsedFile.notes`, and the repaired text
    is kept in :attr:`ParsedFile.repaired` for a loader that reads the file again.

    An empty file, or one without triples (comments only), is an error, unless *allow_empty*:
    then it is read as no statements, and named in :attr:`ParsedFile.notes`.

    With *max_triples*, a file of more statements is refused (:class:`InputError`) as soon as the
    statement over the limit is read.

    *contexts* (from :func:`read_context_map`) gives local copies of remote JSON-LD contexts:
    a JSON-LD file's ``@context`` or ``@import`` naming one of their URLs reads the local copy
    instead. Any other remote context is refused; nothing is ever fetched.
    """
    shown = os.fsdecode(path)
    file = Path(shown)
    suffix = file.suffix.lower()
    _check_exists(file, shown)
    if base is not None:
        check_base(base)
    if input_format is not None and input_format not in INPUT_FORMATS:
        raise InputError(f"unknown input format {input_format!r}; the formats are {', '.join(INPUT_FORMATS)}")
    if suffix in UNSUPPORTED and input_format is None:
        raise InputError(f"{shown}: {UNSUPPORTED[suffix]}")
    fmt = input_format or FORMATS.get(suffix)
    if fmt is None:
        raise InputError(
            f"{shown}: unsupported format {suffix or '(no extension)'!r}; "
            f"supported extensions: {', '.join(supported_extensions())} (or name the format with `format`)"
        )
    data = _read_bytes(file, shown)
    if not data or data.isspace():
        if allow_empty:
            return ParsedFile(file, [], {}, 0, fmt, notes=(f"{shown}: the file is empty, read as no statements "
                                                           "(`allow_empty`)",))
        raise InputError(f"{shown}: file is empty (`allow_empty` reads it as no statements)")
    lines = None  # (statements, the lines to parse, ...) when the file is checked by line
    by_line = not keep and not whole and not repair and fmt in ("ntriples", "nquads")
    if by_line and not _XML_START.match(data):  # on the bytes: the whole text is then never decoded
        lines = _needed_lines_in_bytes(data[3:] if data.startswith(b"\xef\xbb\xbf") else data)
    text = _decode_utf8(data, shown) if lines is None else ""
    beyond_ascii = not (text.isascii() if lines is None else data.isascii())
    tags = None if lines is None else _tag_spellings_in_bytes(data, fmt)
    del data
    repairs: list = []
    rewritten = False  # the text read differs from the file's (--repair-iris, --context-map)
    if repair:
        if fmt not in REPAIRABLE:
            raise InputError(f"{shown}: `repair_iris` repairs the IRIs of Turtle, TriG, N-Triples and N-Quads "
                             f"files, not of {INPUT_FORMATS[fmt]}")
        text, repairs = repair_iris(text)
        rewritten = bool(repairs)
    if fmt == "rdfxml" or _looks_like_xml(text):
        match = _XML_DECL.search(text)
        if match:
            line = text.count("\n", 0, match.start()) + 1
            column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
            raise InputError(
                f"{shown}:{line}:{column}: XML DOCTYPE/ENTITY declarations are refused"
            )

    if fmt == "jsonld":
        depth = _json_depth(text)
        if depth > MAX_JSON_DEPTH:
            raise InputError(f"{shown}: JSON nested {depth} levels deep; exitkg reads at most {MAX_JSON_DEPTH}")
        if contexts:
            try:
                text, mapped = _apply_context_map(text, contexts)
            except ValueError:  # not JSON: the parser below says where
                mapped = []
            rewritten = rewritten or bool(mapped)

    import pyoxigraph as ox

    limit = sys.maxsize if max_triples is None else max_triples
    typed = set()  # (predicate, lexical form, datatype) of the XSD-typed literals, xsd:string aside
    if by_line:
        if lines is not None and lines[0] > limit:
            raise _over_limit(shown, limit)
        if lines is not None and lines[2]:  # the lines needed for a typed literal alone: read by a pattern
            found = _typed_in_lines(lines[2]) if base is None else None
            if found is None:  # parsed with the others
                lines = (lines[0], "\n".join([lines[1], *lines[2]]), [])
            else:
                typed = {t for t in found if t[2].startswith(XSD_NS) and t[2] != _XSD_STRING}
    quads = []
    count = 0
    sources: set[str] = set()
    rdf_type, source_class = ox.NamedNode(RDF_TYPE), ox.NamedNode(SOURCE_CLASS)
    pairs: set = set()  # (predicate, literal) as pyoxigraph terms: cheaper than their text, per quad
    literal = ox.Literal
    # IRIs not in Unicode NFC (only a file with non-ASCII text can have one): kept as written, named
    check_nfc = beyond_ascii
    iris: set[str] = set()
    try:
        parser = ox.parse(text if lines is None else lines[1], format=_ox_format(fmt),
                          base_iri=base or (_RELATIVE if fmt == "jsonld" else None), rename_blank_nodes=True)
        for quad in parser:
            obj = quad.object
            if fmt == "jsonld" and base is None:
                for term in (quad.subject, quad.predicate, obj, quad.graph_name):
                    if isinstance(term, ox.NamedNode) and term.value.startswith(_RELATIVE):
                        raise InputError(f"{shown}: the relative IRI {term.value[len(_RELATIVE):]!r} has no base "
                                         "to resolve against; give absolute IRIs (or an @base in the @context)")
            if check_nfc:
                for term in (quad.subject, quad.predicate, obj):
                    if isinstance(term, ox.NamedNode) and not term.value.isascii():
                        iris.add(term.value)
            if type(obj) is literal:
                pairs.add((quad.predicate, obj))
            elif isinstance(quad.subject, ox.Triple) or isinstance(obj, ox.Triple):
                raise InputError(f"{shown}: RDF 1.2 triple terms are not supported")
            count += 1
            if count > limit:
                raise _over_limit(shown, limit)
            if keep:
                quads.append(quad)
            elif obj == source_class and quad.predicate == rdf_type and isinstance(quad.subject, ox.NamedNode):
                sources.add(quad.subject.value)
        prefixes = dict(getattr(parser, "prefixes", {}) or {})
        for predicate, obj in pairs:
            datatype = obj.datatype.value
            if datatype.startswith(XSD_NS) and datatype != _XSD_STRING:
                typed.add((predicate.value, obj.value, datatype))
        del pairs
    except (SyntaxError, ValueError) as exc:
        if lines is not None:  # the position in the file, not in the lines parsed
            return parse_file(path, keep=False, input_format=input_format, base=base, allow_empty=allow_empty,
                              whole=True, max_triples=max_triples)
        other = None if input_format or base else _reads_as(text, fmt)
        if other is not None:
            raise InputError(f"{shown}: not {INPUT_FORMATS[fmt]}, as its extension {suffix} says, but "
                             f"{INPUT_FORMATS[other]}: rename it, or give `format` {other}") from None
        raise InputError(_syntax_message(exc, shown, fmt, text)) from None
    except OSError as exc:
        raise InputError(f"{shown}: cannot read file: {exc}") from None
    except MemoryError as exc:  # pyoxigraph's parser holds one token in a buffer of bounded size
        raise InputError(f"{shown}: a term is larger than the parser reads ({one_line(exc)}); "
                         f"exitkg reads literals and IRIs of up to {MAX_TOKEN_BYTES // 2**20} MiB") from None
    if lines is not None:
        count = lines[0]
    if fmt == "jsonld":
        key = _unmapped_key(text)
        if key is not None:
            raise InputError(f"{shown}: the key or type {key!r} is not defined by the @context, and JSON-LD "
                             "would drop it; define it in the @context (or give an @vocab)")
        dropped = _dropped_statements(text, base or _RELATIVE, count)
        if dropped is not None:
            raise InputError(f"{shown}{dropped}")
    if not count and not allow_empty:
        raise InputError(f"{shown}: file contains no triples (`allow_empty` reads it as no statements)")
    literals = _not_canonical({(value, datatype) for _, value, datatype in typed})
    forms = stored_forms(literals)
    changed = {(p, v, d): forms[(v, d)] for p, v, d in typed if (v, d) in forms}
    notes = [] if count else [f"{shown}: the file holds no triples, read as no statements (`allow_empty`)"]
    notes += [f"{shown}:{line}:{column}: IRI repaired, <{_shown_iri(before)}> read as <{after}>"
              for line, column, before, after in repairs[:MAX_REPAIR_NOTES]]
    if len(repairs) > MAX_REPAIR_NOTES:
        notes.append(f"{shown}: {len(repairs) - MAX_REPAIR_NOTES:,} more IRIs repaired ({len(repairs):,} in all)")
    if iris:
        import unicodedata

        odd = sorted(i for i in iris if not unicodedata.is_normalized("NFC", i))
        if odd:
            twins = [i for i in odd if unicodedata.normalize("NFC", i) in iris]
            notes.append(f"{shown}: {len(odd)} IRI{'s are' if len(odd) != 1 else ' is'} not in Unicode NFC, kept as "
                         "written ("
                         f"{', '.join('<' + i.encode('unicode_escape').decode('ascii') + '>' for i in odd[:3])}"
                         f"{', ...' if len(odd) > 3 else ''})"
                         + (f"; {len(twins)} also appear{'s' if len(twins) == 1 else ''} in NFC, as a different IRI"
                            if twins else ""))
    wrong = ill_typed(literals)
    if wrong:
        notes.append(f"{shown}: {len(wrong)} ill-typed literal{'s' if len(wrong) != 1 else ''}, loaded as written "
                     f"({', '.join(short_literal(*lit) for lit in wrong[:3])}{', ...' if len(wrong) > 3 else ''})")
    return ParsedFile(file, quads, prefixes, count, fmt, frozenset(sources), tuple(notes),
                      tuple(sorted(changed.items())), frozenset(typed),
                      text.encode("utf-8") if rewritten else None,
                      tag_spellings(text, fmt) if tags is None else tags)


def _over_limit(shown: str, limit: int) -> InputError:
    return InputError(f"{shown}: more statements than `max_triples` leaves for it ({limit:,}); stopped there")


#: the repaired IRIs named one by one, per file; beyond, a count
MAX_REPAIR_NOTES = 100


def _shown_iri(iri: str) -> str:
    """An IRI as written, its control characters escaped, for one line of text."""
    return "".join(c.encode("unicode_escape").decode("ascii") if ord(c) < 0x20 or c == "\x7f" else c for c in iri)


class ParsedFile(NamedTuple):
    """One parsed file: its path, its quads (pyoxigraph) and the prefixes it declares; its
    number of quads, its format, and (when parsed with ``keep=False``, its quads not kept) the
    sources it declares."""

    path: Path
    quads: list
    prefixes: dict[str, str]
    count: int = 0  # type: ignore[assignment]  # a field named like tuple.count, kept for the API
    format: str = ""
    sources: frozenset = frozenset()
    #: what a reader should know about the file (ill-typed literals)
    notes: tuple = ()
    #: ((predicate, lexical form, datatype), (the store's lexical form, datatype)) of each typed
    #: literal the store keeps in another form
    changed: tuple = ()
    #: every XSD-typed literal of the file with its predicate, (predicate, lexical form, datatype),
    #: xsd:string aside
    typed: frozenset = frozenset()
    #: the text read, in UTF-8, when it differs from the file's: IRIs repaired, or JSON-LD
    #: contexts replaced by their local copies (a loader that reads the file again reads this)
    repaired: bytes | None = None
    #: the spellings of its language tags as written (:func:`tag_spellings`)
    tags: frozenset = frozenset()

    @property
    def is_dataset(self) -> bool:
        """TriG or N-Quads: quads that may name their graphs."""
        return self.format in ("trig", "nquads")


def rdf_files(folder: PathLike) -> list[Path]:
    """The RDF files of a folder (by supported extension, hidden files skipped), sorted."""
    directory = Path(os.fsdecode(folder))
    return sorted(
        p for p in directory.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in FORMATS
    )


def rdflib_graph(paths: PathLike | Iterable[PathLike], *, base: str | None = None) -> rdflib.Graph:
    """Parse files strictly and return their triples (every graph merged) as an rdflib graph.

    For libraries that need rdflib (pySHACL reads its shapes this way). *base* is the absolute IRI
    relative IRIs resolve against (as :func:`parse_file`). Raises :class:`InputError`.
    """
    from rdflib import Graph

    from exitkg.rdf.terms import to_rdflib

    path_list = [paths] if isinstance(paths, (str, bytes, os.PathLike)) else list(paths)
    if not path_list:
        raise InputError("no input files given")
    parsed = [parse_file(p, base=base) for p in path_list]
    graph = Graph()
    declared: dict[str, str] = {}
    for item in parsed:
        for q in item.quads:
            graph.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
        for prefix, ns in item.prefixes.items():
            declared.setdefault(prefix, ns)
    bind_prefixes(graph, declared)
    return graph


def bind_prefixes(graph: rdflib.Graph, extra: dict[str, str] | None = None) -> None:
    """Bind the fixed exitkg prefixes (and then *extra* ones that do not clash)."""
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)
    bound_ns = {str(ns) for _, ns in graph.namespaces()}
    bound_prefixes = {p for p, _ in graph.namespaces()}
    for prefix, ns in (extra or {}).items():
        if prefix and prefix not in bound_prefixes and ns not in bound_ns:
            graph.bind(prefix, ns, override=False)
            bound_ns.add(ns)
            bound_prefixes.add(prefix)
