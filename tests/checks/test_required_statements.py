"""Removing any required statement from the packaged data makes validation fail, naming the node.

"Required" is read from the shapes themselves: every property shape with sh:minCount >= 1 (or
sh:qualifiedMinCount >= 1) on a plain predicate path, attached to a node shape with a target class,
whose severity is a violation (a missing value a shape reports as a warning is not required).
For each, one instance of that class loses every value of that predicate; all removals are made at
once on distinct nodes, and one validation run must report each of them.
"""

from __future__ import annotations

import pytest
import rdflib
from rdflib import RDF, RDFS, Namespace, URIRef

from conftest import run_exitkg

SH = Namespace("http://www.w3.org/ns/shacl#")


def required_property_shapes(shapes: rdflib.Graph):
    for node_shape, target in shapes.subject_objects(SH.targetClass):
        for prop_shape in shapes.objects(node_shape, SH.property):
            path = shapes.value(prop_shape, SH.path)
            if not isinstance(path, URIRef):
                continue
            minimum = shapes.value(prop_shape, SH.minCount) or shapes.value(prop_shape, SH.qualifiedMinCount)
            if shapes.value(prop_shape, SH.severity, default=SH.Violation) != SH.Violation:
                continue
            if minimum is not None and int(minimum) >= 1:
                yield prop_shape, target, path


@pytest.fixture(scope="module")
def mutilated(tmp_path_factory):
    import exitkg
    from exitkg.checks.validate import shapes_graph

    data, shapes = exitkg.load().to_rdflib(), shapes_graph()
    removals, used = [], set()
    for prop_shape, target, path in sorted(required_property_shapes(shapes)):
        classes = set(data.transitive_subjects(RDFS.subClassOf, target))  # SHACL targets subclasses too
        candidates = sorted({s for c in classes for s in data.subjects(RDF.type, c) if (s, path, None) in data})
        fresh = [s for s in candidates if s not in used]
        if not fresh:
            continue
        focus = fresh[0]
        used.add(focus)
        data.remove((focus, path, None))
        removals.append((focus, path, prop_shape))
    out = tmp_path_factory.mktemp("mutilated") / "data.nt"
    data.serialize(destination=str(out), format="nt", encoding="utf-8")
    return out, removals


def test_enough_required_statements_are_exercised(mutilated):
    _, removals = mutilated
    exercised = {str(shape).rsplit("#", 1)[-1].split("-")[0] for _, _, shape in removals}
    # findings, studies, factors, characteristics, counts ... all have required statements
    for kind in ("Finding", "Study", "Factor", "Statement", "StatedCount", "DesignCharacteristic",
                 "Review", "TheoreticalModel", "Contradiction", "SelectionStep", "FactorClassification",
                 "RoleAssertion", "CitedEvidence", "InSource", "Source"):
        assert kind in exercised, kind
    assert len(removals) >= 60


def test_each_removal_is_reported_on_its_node(mutilated):
    from exitkg.checks.validate import validate

    path, removals = mutilated
    from exitkg.graph.local import load

    result = validate(load(only=[path], ontology=False))  # the ontology is already in the mutilated graph
    assert not result.conforms
    reported = {(r.focus, r.shape) for r in result.results if r.severity == "Violation"}
    missing = [(str(f), str(s)) for f, _, s in removals if (str(f), str(s)) not in reported]
    assert not missing, missing


def test_cli_names_the_node_and_exits_1(tmp_path):
    import exitkg

    data = exitkg.load().to_rdflib()
    focus = URIRef("https://w3id.org/exitkg/id/finding/ferrari-2021/hickle-2017-family")
    data.remove((focus, URIRef("https://w3id.org/exitkg/ontology#quote"), None))
    target = tmp_path / "data.nt"
    data.serialize(destination=str(target), format="nt", encoding="utf-8")
    code, out, err = run_exitkg("validate", "--only", target)
    assert code == 1, err
    assert "hickle-2017-family" in out and "Statement-quote" in out


def test_packaged_data_conforms(run_cli):
    code, out, err = run_cli("validate")
    assert code == 0, out + err
    assert out.startswith("SHACL validation: conforms")
