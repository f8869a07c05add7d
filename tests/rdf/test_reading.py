"""The reading options carried whole (exitkg.Reading), and the Python API's load with all of load's options."""

from __future__ import annotations

import inspect

import pytest

import exitkg
from exitkg.core.errors import InputError
from exitkg.rdf.files import Reading, as_reading

FIELDS = set(Reading._fields) | {"input_format"}


def _signatures():
    from exitkg import api
    from exitkg.graph import local
    from exitkg.publish import release
    from exitkg.serve import serve

    return {"exitkg.load": api.load, "exitkg.graph.local.load": local.load, "exitkg.serve.serve.serve": serve.serve,
            "exitkg.publish.release.build_release": release.build_release}


@pytest.mark.parametrize("name", sorted(_signatures()))
def test_the_reading_options_are_one_parameter(name):
    """No signature lists the reading options one by one: each takes one ``reading``."""
    parameters = inspect.signature(_signatures()[name]).parameters
    assert "reading" in parameters
    assert not FIELDS & set(parameters), f"{name} lists {sorted(FIELDS & set(parameters))}"


def test_the_command_line_carries_every_reading_option(tmp_path):
    from exitkg.cli import _reading, build_parser

    mapping = tmp_path / "contexts.json"
    args = build_parser().parse_args([
        "query", "table-factors", "--only", "x.ttl", "--input-format", "turtle", "--base", "https://example.org/",
        "--repair-iris", "--allow-empty", "--context-map", str(mapping), "--max-bytes", "10", "--max-triples", "20"])
    assert _reading(args) == Reading(format="turtle", base="https://example.org/", repair_iris=True, allow_empty=True,
                                     context_map=str(mapping), max_bytes=10, max_triples=20)


def test_keywords_replace_the_fields_of_a_reading():
    assert as_reading(Reading(base="https://example.org/"), input_format="trig", allow_empty=True) == \
        Reading(format="trig", base="https://example.org/", allow_empty=True)
    with pytest.raises(TypeError, match="not a reading option: colour"):
        as_reading(colour="red")
    with pytest.raises(InputError, match="max_triples must be a whole number"):
        exitkg.load(reading=Reading(max_triples=-1))


def test_the_api_load_takes_a_reading(tmp_path):
    empty = tmp_path / "empty.ttl"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="empty"):
        exitkg.load(only=[empty], ontology=False)
    assert len(exitkg.load(only=[empty], ontology=False, reading=Reading(allow_empty=True))) == 0
    assert len(exitkg.load(only=[empty], ontology=False, allow_empty=True)) == 0


def test_the_api_load_normalizes_literals_and_keeps_a_store(tmp_path):
    """``exitkg.load`` has load's normalize_literals and store (it had lost them)."""
    first, second = tmp_path / "a.nt", tmp_path / "b.nt"
    first.write_text('<http://example.org/s> <http://example.org/p> "01"^^<http://www.w3.org/2001/XMLSchema#integer> .\n',
                     encoding="utf-8")
    second.write_text('<http://example.org/t> <http://example.org/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n',
                      encoding="utf-8")
    with pytest.raises(InputError, match="one value"):
        exitkg.load(only=[first, second], ontology=False)
    graph = exitkg.load(only=[first, second], ontology=False, normalize_literals=True)
    assert len(graph) == 2 and graph.notes
    folder = tmp_path / "store"
    kept = exitkg.load(only=[first], ontology=False, store=folder)
    assert len(kept) == 1 and (folder / "exitkg-store.json").is_file()
    assert len(exitkg.load(only=[first], ontology=False, store=folder)) == 1


def _flag_messages(path) -> list[str]:
    """The messages of *path* that name a command-line flag (``--allow-empty``): the strings of its
    ``raise`` statements and of the notes it appends."""
    import ast
    import re

    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        noted = (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "append"
                 and "notes" in ast.unparse(node.func.value))
        if isinstance(node, ast.Raise) or noted:
            for part in ast.walk(node):
                if isinstance(part, ast.Constant) and isinstance(part.value, str) and \
                        re.search(r"(?<![\w-])--[a-z]", part.value):
                    found.append(f"{path.name}:{part.lineno}: {part.value.strip()[:80]}")
    return found


def test_the_library_names_no_flags():
    """Only the command line knows its flags: library errors and notes name an option by its Python
    name (`allow_empty`), which the command line shows as its flag."""
    from conftest import REPO_ROOT

    modules = sorted(p for p in (REPO_ROOT / "exitkg").glob("*.py") if p.name not in ("cli.py", "clidoc.py"))
    found = [where for path in modules for where in _flag_messages(path)]
    assert not found, "\n".join(found)


def test_the_command_line_shows_the_flags(tmp_path):
    from exitkg.cli import with_flags

    assert with_flags("file is empty (`allow_empty` reads it as no statements)") == \
        "file is empty (--allow-empty reads it as no statements)"
    assert with_flags("a `name` not an option") == "a `name` not an option"
    empty = tmp_path / "empty.ttl"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError) as info:
        exitkg.load(only=[empty], ontology=False)
    assert "`allow_empty`" in info.value.message and "--" not in info.value.message
