"""HermiT through owlready2: consistency, derived controversy in every variant the ontology
defines (agreeing with SPARQL), sources that disagree, deadline and missing Java."""

from __future__ import annotations

import json
import os
import shutil

import pytest

import exitkg
from conftest import (
    FIXTURES, REPO_ROOT, assert_one_error_line, run_exitkg, run_in_process, sha256_tree, source_facts,
)

pytestmark = [pytest.mark.hermit, pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java (Debian: default-jdk-headless; .ci/setup-system installs it)")]

FACTOR = "https://w3id.org/exitkg/id/factor/"
FERRARI = source_facts("ferrari-2021")
DATA = REPO_ROOT / "data"
SECOND = FIXTURES / "sources" / "second-review"


def _sparql(graph, **params) -> tuple[set, set]:
    """The factors the query finds controversial, and those whose conflict holds among whole-sample
    assertions (the rows without a population): ekg:ControversialByEvidence and
    ekg:ContestedByEvidence. The query's population-aware status compares countries, which OWL
    cannot state; it is tested in test_queries and test_contradictions."""
    rows = graph.query("controversial-by-evidence", population_aware="true", **params).dicts()
    controversial = {r["factor"] for r in rows}
    directions: dict[str, set] = {}
    for r in rows:
        if not r.get("population"):
            directions.setdefault(r["factor"], set()).add(r["direction"].rsplit("#", 1)[-1])
    return controversial, {f for f, d in directions.items() if d == {"facilitating", "hindering"}}


def test_packaged_graph_is_consistent_and_classified():
    code, out, err = run_in_process("reason", "--format", "json")
    assert code == 0, err
    answer = json.loads(out)
    assert answer["consistent"] is True
    assert answer["controversial_by_evidence"] == sorted(FACTOR + s for s in FERRARI["controversial_by_evidence"])
    assert answer["contested_by_evidence"] == sorted(FACTOR + s for s in FERRARI["whole_sample_conflict"])
    assert answer["without_whole_sample_conflict"] == sorted(FACTOR + s for s in set(FERRARI["controversial_by_evidence"])
                                                   - set(FERRARI["whole_sample_conflict"]))


@pytest.mark.parametrize("sources, params", [
    (None, {}),                                                        # the whole graph
    (["common", "ferrari-2021"], {"source": "ferrari-2021"}),          # one source: the Results
    (["common", "ferrari-2021-discussion"], {"source": "ferrari-2021-discussion"}),  # the cited layer
], ids=["all-sources", "ferrari-2021", "ferrari-2021-discussion"])
def test_sparql_and_hermit_agree_on_every_variant(sources, params):
    """ekg:ControversialByEvidence and ekg:ContestedByEvidence, on the module of the sources asked
    for, equal the SPARQL query asked for the same sources, plain and population-aware."""
    module = exitkg.load() if sources is None else exitkg.load(only=[DATA / s for s in sources])
    owl = exitkg.reason(module)
    assert owl.consistent
    controversial, contested = _sparql(exitkg.load(), **params)
    assert set(owl.controversial) == controversial and controversial
    assert set(owl.contested) == contested
    # the OWL 2 RL engine, on the classification module of the same sources, gives the same classes
    rl = exitkg.reason(module, engine="rl")
    assert rl.consistent is None and rl.engine == "rl"
    assert (rl.controversial, rl.contested) == (owl.controversial, owl.contested)


def test_two_sources_that_disagree_are_consistent_and_both_kept():
    graph = exitkg.load(data=[SECOND])
    assert exitkg.reason(graph).consistent
    family = graph.query("classifications-of-factor", factor="family").dicts()
    roles = {(r["source"], r["role"].rsplit("#", 1)[-1]) for r in family}
    assert roles == {("https://w3id.org/exitkg/id/source/ferrari-2021", "controversial"),
                     ("https://example.org/exitkg-test/source", "hindering")}
    assert exitkg.validate(graph).conforms
    assert exitkg.report(graph).agrees  # the review's numbers do not move


def test_inconsistent_data_exits_1(tmp_path):
    bad = tmp_path / "bad.ttl"
    # ekg:role is functional and the roles are pairwise different: one classification, two roles.
    bad.write_text(
        "@prefix ekg: <https://w3id.org/exitkg/ontology#> .\n"
        "<https://example.org/c> a ekg:FactorClassification ; ekg:role ekg:facilitating, ekg:hindering .\n",
        encoding="utf-8",
    )
    code, out, err = run_in_process("reason", "--data", bad)
    assert code == 1, err
    assert "INCONSISTENT" in out
    # scenario 23: the cause is named
    assert ("  https://example.org/c has more than one value of the functional property "
            "https://w3id.org/exitkg/ontology#role: https://w3id.org/exitkg/ontology#facilitating, "
            "https://w3id.org/exitkg/ontology#hindering") in out.splitlines()


def test_an_individual_in_two_disjoint_classes_is_named(tmp_path):
    bad = tmp_path / "disjoint.ttl"
    # ekg:Finding and ekg:Remark are disjoint (owl:AllDisjointClasses)
    bad.write_text("@prefix ekg: <https://w3id.org/exitkg/ontology#> .\n"
                   "<https://example.org/x> a ekg:Finding, ekg:Remark .\n", encoding="utf-8")
    code, out, err = run_in_process("reason", "--data", bad, "--format", "json")
    assert code == 1, err
    answer = json.loads(out)
    assert answer["consistent"] is False
    assert answer["explanation"] == ["https://example.org/x is an instance of both https://w3id.org/exitkg/ontology#Finding "
                                     "and https://w3id.org/exitkg/ontology#Remark, which are disjoint"]


def test_deadline_exits_7_and_leaves_no_temporary_files(tmp_path):
    # a process of its own: TMPDIR is read once per process
    before = sha256_tree(REPO_ROOT / "ontology", REPO_ROOT / "data")
    env_tmp = tmp_path / "tmp"
    env_tmp.mkdir()
    old = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(env_tmp)
    try:
        code, out, err = run_exitkg("reason", "--timeout", "0.2")
    finally:
        if old is None:
            os.environ.pop("TMPDIR")
        else:
            os.environ["TMPDIR"] = old
    assert code == 7
    assert_one_error_line(err, "did not finish within", "--timeout")
    assert list(env_tmp.iterdir()) == []
    assert sha256_tree(REPO_ROOT / "ontology", REPO_ROOT / "data") == before


def test_killing_reason_ends_the_reasoner_too():
    """SIGKILL of ``exitkg reason`` (no chance to clean up) leaves no worker and no Java behind."""
    import signal
    import subprocess
    import sys
    import time

    from conftest import descendants

    proc = subprocess.Popen([sys.executable, "-m", "exitkg", "reason"], cwd=REPO_ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any("java" in c for c in descendants(proc.pid).values()):
            time.sleep(0.1)
        below = descendants(proc.pid)
        assert any("java" in c for c in below.values()), "HermiT did not start"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(os.path.exists(f"/proc/{pid}") for pid in below):
            time.sleep(0.1)
        left = [below[pid] for pid in below if os.path.exists(f"/proc/{pid}")]
        assert left == []
    finally:
        if proc.poll() is None:
            proc.kill()


def test_missing_java_exits_5():
    os.environ["EXITKG_JAVA"] = "no-such-java-binary"
    try:
        code, out, err = run_in_process("reason")
    finally:
        os.environ.pop("EXITKG_JAVA")
    assert code == 5
    assert_one_error_line(err, "Java not found")


def test_bad_timeout_is_a_usage_error():
    code, _, err = run_in_process("reason", "--timeout", "zero")
    assert code == 3
    assert_one_error_line(err, "--timeout")


def test_the_rl_engine_from_the_command_line(tmp_path):
    code, out, err = run_in_process("reason", "--engine", "rl", "--format", "json")
    assert code == 0, err
    answer = json.loads(out)
    assert answer["consistent"] is None and "OWL 2 RL" in answer["reasoner"]
    assert answer["controversial_by_evidence"] == sorted(FACTOR + s for s in FERRARI["controversial_by_evidence"])
    assert answer["contested_by_evidence"] == sorted(FACTOR + s for s in FERRARI["whole_sample_conflict"])
    code, _, err = run_in_process("reason", "--engine", "pellet")
    assert code == 3


def test_the_rl_engine_agrees_with_sparql_on_hundreds_of_factors(tmp_path):
    """On the benchmark's scaled evidence (10 copies of the data over 330 factors, some roles
    reversed so that new conflicts appear), the RL classification equals the SPARQL query's."""
    import sys

    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    from scaled import write_evidence

    graph = exitkg.load(only=[write_evidence(tmp_path / "evidence.nt", 10, variants=10)])
    rl = exitkg.reason(graph, engine="rl")
    controversial, contested = _sparql(graph)
    assert len(controversial) > 50
    assert set(rl.controversial) == controversial and set(rl.contested) == contested


def test_a_java_too_old_for_hermit_is_named(tmp_path, monkeypatch):
    java = tmp_path / "java"
    java.write_text("#!/bin/sh\necho 'java.lang.UnsupportedClassVersionError: org/semanticweb/HermiT/cli/CommandLine has "
                    "been compiled by a more recent version of the Java Runtime (class file version 69.0), this version "
                    "of the Java Runtime only recognizes class file versions up to 61.0' >&2\nexit 1\n")
    java.chmod(0o755)
    monkeypatch.setenv("EXITKG_JAVA", str(java))
    code, out, err = run_in_process("reason")
    assert code == 5
    assert_one_error_line(err, "HermiT needs Java 25 or later", "up to Java 17", "EXITKG_JAVA")


def test_javas_note_on_the_options_is_not_the_error(tmp_path, monkeypatch):
    """Java says it read JAVA_TOOL_OPTIONS (exitkg sets them) before its error: the line is the error."""
    java = tmp_path / "java"
    java.write_text("#!/bin/sh\necho 'Picked up JAVA_TOOL_OPTIONS: -XX:TieredStopAtLevel=1' >&2\n"
                    "echo 'java.lang.IllegalStateException: something went wrong in the reasoner' >&2\nexit 1\n")
    java.chmod(0o755)
    monkeypatch.setenv("EXITKG_JAVA", str(java))
    code, out, err = run_in_process("reason")
    assert code == 5
    assert_one_error_line(err, "HermiT failed", "something went wrong in the reasoner")
    assert "Picked up" not in err


def test_a_heap_too_small_is_named(monkeypatch):
    monkeypatch.setenv("EXITKG_JAVA_MEMORY", "8")
    code, out, err = run_in_process("reason")
    assert code == 5
    assert_one_error_line(err, "out of Java heap memory", "EXITKG_JAVA_MEMORY")


def test_cycles_of_subclasses_and_groupings_end_in_hermit(tmp_path):
    """Scenario 25: HermiT ends on cycles (of subclasses, of factor groupings, of owl:sameAs) with
    the same answer each run: the cycle makes the classes equivalent, nothing inconsistent."""
    data = tmp_path / "cycles.ttl"
    data.write_text(
        "@prefix ex: <http://example.org/> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "ex:A rdfs:subClassOf ex:B . ex:B rdfs:subClassOf ex:A .\n"
        "ex:x owl:sameAs ex:y . ex:y owl:sameAs ex:z . ex:z owl:sameAs ex:x .\n"
        "<https://w3id.org/exitkg/id/factor/stigma> skos:broader <https://w3id.org/exitkg/id/factor/shame> .\n"
        "<https://w3id.org/exitkg/id/factor/shame> skos:broader <https://w3id.org/exitkg/id/factor/stigma> .\n",
        encoding="utf-8")
    first = run_in_process("reason", "--data", data, "--format", "json")
    assert first.code == 0, first.stderr
    answer = json.loads(first.stdout)
    assert answer["consistent"] is True
    second = json.loads(run_in_process("reason", "--data", data, "--format", "json").stdout)
    assert {k: v for k, v in second.items() if k != "seconds"} == {k: v for k, v in answer.items() if k != "seconds"}


def test_the_reasoner_reads_no_annotation_but_every_other_statement():
    """HermiT is given the merge without the values of annotation properties (labels, definitions,
    titles: no meaning in OWL 2's direct semantics), and every other statement (data properties
    such as quotes included); the packaged graph's classes are unchanged
    (test_packaged_graph_is_consistent_and_classified)."""
    import pyoxigraph as ox

    from exitkg.checks.reason import annotation_properties, reasoner_input
    from exitkg.graph.local import load

    graph = load()
    dropped = annotation_properties(graph)
    assert {"http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2004/02/skos/core#prefLabel",
            "http://purl.org/dc/terms/title"} <= dropped
    assert "https://w3id.org/exitkg/ontology#quote" not in dropped  # a data property: kept
    given = {q.triple for q in ox.parse(reasoner_input(graph), format=ox.RdfFormat.N_TRIPLES)
             if not any(isinstance(t, ox.BlankNode) and t.value.startswith("closure") for t in (q.subject, q.object))}
    merge = {ox.Triple(q.subject, q.predicate, q.object) for q in graph.triples()}
    assert not any(t.predicate.value in dropped for t in given)
    assert given == {t for t in merge if t.predicate.value not in dropped}
    assert len(given) < len(merge)


def test_java_runs_with_the_client_compiler_and_a_users_options_win():
    from exitkg.checks.reason import JAVA_OPTIONS, java_environment

    assert java_environment({})["JAVA_TOOL_OPTIONS"] == JAVA_OPTIONS
    assert "-XX:TieredStopAtLevel=1" in JAVA_OPTIONS
    assert java_environment({"JAVA_TOOL_OPTIONS": "-XX:TieredStopAtLevel=4"})["JAVA_TOOL_OPTIONS"] == (
        f"{JAVA_OPTIONS} -XX:TieredStopAtLevel=4")
