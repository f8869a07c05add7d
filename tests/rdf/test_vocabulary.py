"""One vocabulary: the closed lists read from the ontology, and the effective direction defined once
(ekg:effectiveRole, derived at load by exitkg.rdf.vocabulary, read by every query and module)."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

import exitkg
from exitkg.rdf import vocabulary
from exitkg.rdf.namespaces import EKG
from exitkg.core.resources import ontology_path

from conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "exitkg"
QUERIES = REPO_ROOT / "queries"
#: the one place that defines the effective direction
DEFINITION = PACKAGE / "rdf" / "vocabulary.py"


def _code(path) -> list[tuple[int, str]]:
    """The lines of a query or module with their comments left out (a ``#`` that starts a comment:
    at the line's start or after a space; IRIs keep theirs)."""
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        out.append((number, re.split(r"(?:^|\s)#(?![^<]*>)", line, maxsplit=1)[0]))
    return out


def rederivations(path) -> list[str]:
    """Where *path* derives a direction from the absence flag itself instead of reading ekg:effectiveRole:

    - a line that names an absence (``?absence``, ``about_absence``, ``aboutAbsence``) and a direction
      (facilitating, hindering);
    - an ``IF(?x, ...)`` on a variable that ``ekg:aboutAbsence ?x`` binds;
    - a mapping of one direction to the other (``{"facilitating": "hindering"}``).
    """
    lines = _code(path)
    text = "\n".join(line for _, line in lines)
    flags = set(re.findall(r"aboutAbsence\s+\?(\w+)", text))
    found = []
    for number, line in lines:
        where = f"{path.name}:{number}: {line.strip()}"
        if re.search(r"absence", line, re.I) and re.search(r"facilitating|hindering", line, re.I):
            found.append(where)
        elif any(re.search(rf"\bIF\s*\(\s*!?\s*\?{flag}\b", line, re.I) for flag in flags):
            found.append(where)
        elif re.search(r"(facilitating|hindering)[\"'\]]?:\s*\W{0,4}\w*?(hindering|facilitating)", line, re.I):
            found.append(where)
    return found


def _scanned():
    """The package's code (its modules, and the scripts and templates of its pages) and the queries."""
    code = [p for p in PACKAGE.rglob("*") if p.suffix in (".py", ".js", ".html", ".j2") and "__pycache__" not in p.parts]
    return sorted(p for p in code if p != DEFINITION) + sorted(QUERIES.glob("*.rq"))


def test_nothing_but_the_vocabulary_derives_the_effective_direction():
    scanned = _scanned()
    assert len(scanned) > 40
    found = [where for path in scanned for where in rederivations(path)]
    assert not found, "derive the direction in exitkg/rdf/vocabulary.py only; read ekg:effectiveRole:\n" + "\n".join(found)


@pytest.mark.parametrize("text", [
    "  BIND(IF(?absence, IF(?stated = ekg:facilitating, ekg:hindering, ekg:facilitating), ?stated) AS ?d)\n",
    "  ?f ekg:statedRole ?r ; ekg:aboutAbsence ?a .\n  BIND(IF(?a, IF(?r = ekg:facilitating, ekg:hindering, ekg:facilitating), ?r) AS ?d)\n",
    '        direction = ({"facilitating": "hindering", "hindering": "facilitating"}[stated] if flag else stated)\n',
    "reverse = {FACILITATING: HINDERING, HINDERING: FACILITATING}\n",
    '        effective = role if not absence else (ROLES["hindering"] if role == ROLES["facilitating"] else x)\n',
])
def test_the_lint_finds_a_rederivation(tmp_path, text):
    """The lint above is not vacuous: each way the rule was written before is found."""
    probe = tmp_path / "probe.rq"
    probe.write_text(text, encoding="utf-8")
    assert rederivations(probe)


def _plain(graph) -> dict:
    """The effective direction as the ontology's comment defines it, computed here over the triples:
    stated role, reversed when the statement is about the factor's absence."""
    default = ox.DefaultGraph()
    expected = {}
    for q in graph.store.quads_for_pattern(None, ox.NamedNode(EKG + "statedRole"), None, default):
        absences = [a.object.value for a in graph.store.quads_for_pattern(
            q.subject, ox.NamedNode(EKG + "aboutAbsence"), None, default)]
        if absences:
            swap = {EKG + "facilitating": EKG + "hindering", EKG + "hindering": EKG + "facilitating"}
            expected[q.subject.value] = swap[q.object.value] if absences == ["true"] else q.object.value
    return expected


def _derived(graph, graph_name=ox.DefaultGraph()) -> dict:
    found: dict = {}
    for q in graph.store.quads_for_pattern(None, ox.NamedNode(EKG + "effectiveRole"), None, graph_name):
        assert q.subject.value not in found, f"{q.subject.value}: two effective roles"
        found[q.subject.value] = q.object.value
    return found


def test_the_derived_property_agrees_with_its_definition_on_the_packaged_data():
    graph = exitkg.load()
    expected = _plain(graph)
    assert any(v == EKG + "hindering" for v in expected.values())
    assert len(expected) > 50
    assert _derived(graph) == expected
    # every role assertion of the data has one, and its source's graph carries it
    rows = graph.run(f"""SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{
        {{ ?a a <{EKG}Finding> }} UNION {{ ?a a <{EKG}CitedEvidence> }} }}""").rows
    assert int(rows[0]["n"].value) == len(expected)
    in_sources = {}
    for name in graph.named_graphs():
        in_sources.update(_derived(graph, ox.NamedNode(name)))
    assert in_sources == expected
    # some assertion about an absence is reversed
    absent = graph.run(f"SELECT ?a WHERE {{ ?a <{EKG}aboutAbsence> true }}").rows
    assert absent and all(expected[r["a"].value] != next(graph.store.quads_for_pattern(
        r["a"], ox.NamedNode(EKG + "statedRole"), None)).object.value for r in absent)


def test_the_ontology_declares_the_property_with_its_definition():
    ontology = ox.Store()
    ontology.load(path=str(ontology_path()), format=ox.RdfFormat.TURTLE)
    prop = ox.NamedNode(EKG + "effectiveRole")
    types = {q.object.value for q in ontology.quads_for_pattern(prop, ox.NamedNode(vocabulary.RDF + "type"), None)}
    assert vocabulary.OWL + "ObjectProperty" in types
    [comment] = [q.object.value for q in ontology.quads_for_pattern(
        prop, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"), None)]
    assert "ekg:statedRole" in comment and "ekg:aboutAbsence" in comment and "reversed" in comment


def test_an_export_carries_the_derived_property_and_a_graph_without_the_ontology_derives_none(tmp_path):
    from exitkg.publish.export import export_rdf

    graph = exitkg.load()
    expected = _derived(graph)
    assert len(expected) > 50
    exported = tmp_path / "all.nt"
    exported.write_bytes(export_rdf("ntriples", graph))
    assert _derived(exitkg.load(only=[exported], ontology=False)) == expected
    stripped = tmp_path / "stripped.nt"
    stripped.write_text("".join(line + "\n" for line in exported.read_text(encoding="utf-8").splitlines()
                                if "ontology#effectiveRole>" not in line), encoding="utf-8")
    assert _derived(exitkg.load(only=[stripped], ontology=False)) == {}  # exactly the file's triples
    assert _derived(exitkg.load(only=[stripped])) == expected            # derived again at load


def test_a_source_given_with_data_gets_the_derived_property(tmp_path):
    extra = tmp_path / "finding.ttl"
    extra.write_text("""@prefix ekg: <https://w3id.org/exitkg/ontology#> .
@prefix ex: <https://example.org/exitkg-test/> .
ex:source a ekg:Source .
ex:f1 a ekg:Finding ; ekg:inSource ex:source ; ekg:statedRole ekg:hindering ; ekg:aboutAbsence true .
ex:f2 a ekg:Finding ; ekg:inSource ex:source ; ekg:statedRole ekg:hindering ; ekg:aboutAbsence false .
""", encoding="utf-8")
    graph = exitkg.load(data=[extra])
    derived = _derived(graph, ox.NamedNode("https://example.org/exitkg-test/source"))
    assert derived == {"https://example.org/exitkg-test/f1": EKG + "facilitating",
                       "https://example.org/exitkg-test/f2": EKG + "hindering"}


def test_closed_lists_come_from_the_ontology():
    graph = exitkg.load()
    for cls in (vocabulary.LEVEL, vocabulary.ROLE, vocabulary.STUDY_DESIGN, vocabulary.PROVENANCE_KIND,
                vocabulary.AGE_GROUP):
        typed = {r["x"].value for r in graph.run(f"SELECT ?x WHERE {{ ?x a <{cls}> }}").rows}
        assert set(vocabulary.members(cls)) == typed, cls
    levels = vocabulary.members(vocabulary.LEVEL)
    orders = [int(next(graph.store.quads_for_pattern(ox.NamedNode(lv), ox.NamedNode(EKG + "order"), None)).object.value)
              for lv in levels]
    assert orders == sorted(orders)
    from exitkg.sparql.queries import CLOSED_TYPES

    assert CLOSED_TYPES["level"] == vocabulary.names(vocabulary.LEVEL)
    assert CLOSED_TYPES["design"] == vocabulary.names(vocabulary.STUDY_DESIGN)
    assert vocabulary.local_name(EKG + "hindering") == "hindering"
    assert vocabulary.local_name("https://w3id.org/exitkg/id/study/dahal-2015") == "dahal-2015"


def test_no_module_spells_the_closed_lists_or_cuts_iris_by_hand():
    """The levels are read from the ontology (exitkg.rdf.vocabulary), and an IRI's last segment is cut by
    one function (exitkg.rdf.namespaces.local_name), not spelled or re-implemented module by module."""
    levels = re.compile(r"individualLevel|relationalLevel|structuralLevel")
    cut = re.compile(r"""rsplit\(["'][#/]["'], 1\)\[-1\]\.rsplit\(["'][#/]["'], 1\)\[-1\]""")
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for number, line in _code(path):
            if levels.search(line):
                found.append(f"{path.name}:{number}: spells a level: {line.strip()}")
            if cut.search(line) and path.name != "namespaces.py":
                found.append(f"{path.name}:{number}: cuts an IRI: {line.strip()}")
    assert not found, "\n".join(found)
