"""Canned queries: headers, expected results, parameters bound as terms, CLI errors."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

import exitkg
from conftest import REPO_ROOT, assert_one_error_line, run_in_process, source_facts
from exitkg.sparql import queries as Q
from exitkg.sparql.engine import Result

CATALOGUE = Q.catalogue()
FERRARI = source_facts("ferrari-2021")
DISCUSSION = source_facts("ferrari-2021-discussion")
EKG = "https://w3id.org/exitkg/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@pytest.fixture(scope="module")
def engine():
    return exitkg.load(describe=True)


def slugs(result: Result, column: str = "factor") -> set[str]:
    return {r[column].rsplit("/", 1)[-1] for r in result.dicts()}


def test_every_query_file_has_a_readable_header():
    assert CATALOGUE
    for query in CATALOGUE.values():
        assert query.id == query.path.stem, query.path
        assert query.title and query.title != query.id
        assert query.reproduces, f"{query.id}: which sentence or figure of the review does it reproduce?"
        assert query.kind in Q.KINDS
        if query.path.name.endswith("-violation.rq"):
            assert query.kind == "violation"
        if query.kind in ("reproduction", "violation") or query.expected:
            assert query.expected_path is not None, query.id
        if query.dimension:
            assert query.dimension.startswith("https://w3id.org/exitkg/id/dimension/"), query.dimension


@pytest.mark.parametrize("qid", sorted(q.id for q in CATALOGUE.values() if q.expected))
def test_query_result_equals_expected_file(engine, qid, expected):
    """Each query's result on the packaged graph is its expected file (pytest --update-expected
    rewrites them); a violation query returns no rows."""
    query = CATALOGUE[qid]
    result = Q.run(query, engine)
    expected(query.expected_path, Q.render_csv(result))
    if query.kind == "violation":
        assert result.rows == []


def test_every_expected_file_belongs_to_a_query():
    named = {q.expected for q in CATALOGUE.values() if q.expected}
    files = {p.name for p in next(iter(CATALOGUE.values())).path.parent.glob("*.expected.*")}
    assert files == named


def test_violation_query_exits_1_only_when_it_returns_rows(tmp_path):
    check = tmp_path / "inferred-without-reason-violation.rq"
    check.write_text(
        "# id: inferred-without-reason-violation\n# title: Inferred values that do not say why\n"
        "# reproduces: the provenance rule\n# kind: violation\n"
        "PREFIX ekg: <https://w3id.org/exitkg/ontology#>\n"
        "SELECT ?s WHERE { ?s ekg:provenance ekg:CuratorInference FILTER NOT EXISTS { ?s ekg:inferenceNote ?n }"
        " FILTER NOT EXISTS { ?s ekg:resolutionNote ?r } }\n", encoding="utf-8")
    code, out, err = run_in_process("query", check, "--format", "csv")
    assert code == 0, err
    bad = tmp_path / "inferred.ttl"
    bad.write_text('<https://example.org/s> <https://w3id.org/exitkg/ontology#provenance> '
                   '<https://w3id.org/exitkg/ontology#CuratorInference> .\n', encoding="utf-8")
    code, out, err = run_in_process("query", check, "--format", "csv", "--data", bad)
    assert code == 1, err
    assert "https://example.org/s" in out


def _by_design(graph, **params) -> dict[str, int]:
    return {r["category"].rsplit("#")[-1]: r["count"] for r in graph.query("studies-by-design", **params).dicts()}


def test_reproduction_counts_move_with_the_data(engine, tmp_path):
    before = _by_design(engine)
    before_stated = _by_design(engine, include_inferred="false")
    extra = tmp_path / "extra-study.ttl"
    extra.write_text(
        "@prefix ekg: <https://w3id.org/exitkg/ontology#> .\n"
        "<https://w3id.org/exitkg/id/review/ferrari-2021> ekg:includesStudy <https://example.org/s14> .\n"
        "<https://example.org/s14> ekg:hasCharacteristic <https://example.org/s14-design> .\n"
        "<https://example.org/s14-design> a ekg:DesignCharacteristic ; ekg:design ekg:qualitative ;\n"
        "    ekg:inSource <https://w3id.org/exitkg/id/source/ferrari-2021> ; ekg:provenance ekg:CuratorInference .\n",
        encoding="utf-8",
    )
    graph = exitkg.load(data=[extra])
    after = _by_design(graph)
    assert after["qualitative"] == before["qualitative"] + 1
    assert {k: v for k, v in after.items() if k != "qualitative"} == {k: v for k, v in before.items() if k != "qualitative"}
    assert _by_design(graph, include_inferred="false") == before_stated


def test_a_triple_stated_twice_is_counted_once(engine, tmp_path):
    """The merge is a set: loading a copy of the graph's triples on top of the graph changes no count
    (blank nodes aside: a blank node of another file is another node)."""
    copy = tmp_path / "copy.nt"
    graph = exitkg.load()
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in graph.triples()
               if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)]
    copy.write_bytes(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
    doubled = exitkg.load(data=[copy])
    assert not doubled.unnamed_triples()  # every copied triple is also in the graph of its source
    assert len(doubled) == len(graph)
    assert _by_design(doubled) == _by_design(engine)


def test_parameters_change_results(engine):
    stigma = engine.query("evidence-for-factor", factor="stigma")
    assert slugs(stigma) == {"stigma"}
    beyond = [st for src in source_facts("beyond-the-review")["sources"] for st in src["statements"]
              if st[0] == "finding"]
    expected = sum(1 for s in FERRARI["results_statements"] if s[1] == "stigma") + \
        sum(1 for s in DISCUSSION["cited_statements"] if s[1] == "stigma") + \
        sum(1 for s in beyond if s[1] == "stigma")
    assert len([r for r in stigma.dicts() if r["kind"] in ("finding", "cited")]) == expected
    assert [r["kind"] for r in stigma.dicts() if r["kind"] not in ("finding", "cited", "remark")] == ["beyond results"]
    family = engine.query("evidence-for-factor", factor="https://w3id.org/exitkg/id/factor/family")
    assert slugs(family) == {"family"}
    dahal = engine.query("factors-of-study", study="dahal-2015")
    assert len(dahal) == sum(1 for s in FERRARI["results_statements"] if s[0] == "dahal-2015") + sum(
        len(src["statements"]) for src in source_facts("beyond-the-review")["sources"]
        if src["encodes"] == "study/dahal-2015")


def _objects(graph, subject, predicate: str) -> list:
    return [q.object for q in graph.store.quads_for_pattern(subject, ox.NamedNode(predicate), None, ox.DefaultGraph())]


def _levels_by_review(graph, factor, source) -> list:
    """The levels given to *factor* by the classifications whose source encodes the review that
    *source* encodes: the look-up the question queries make, done here over the triples."""
    reviews = set(_objects(graph, source, EKG + "encodes"))
    levels = []
    for q in graph.store.quads_for_pattern(None, ox.NamedNode(EKG + "classifies"), factor, ox.DefaultGraph()):
        theirs = {r for s in _objects(graph, q.subject, EKG + "inSource") for r in _objects(graph, s, EKG + "encodes")}
        if reviews & theirs:
            levels += [level.value for level in _objects(graph, q.subject, EKG + "level")]
    return sorted(levels) or [None]


@pytest.fixture(scope="module")
def several_reviews(tmp_path_factory):
    """The benchmark's scaled evidence: 3 reviews with identifiers of their own over shared factors."""
    import sys

    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    from scaled import write_evidence

    return exitkg.load(only=[write_evidence(tmp_path_factory.mktemp("scaled") / "evidence.nt", 3)])


@pytest.fixture(scope="module")
def second_review(tmp_path_factory):
    """The packaged graph, a second source that classifies stigma at another level, and two findings
    of that source on stigma from a packaged study, one of them without ekg:aboutAbsence."""
    extra = tmp_path_factory.mktemp("second") / "findings.ttl"
    extra.write_text("""@prefix ekg: <https://w3id.org/exitkg/ontology#> .
@prefix ex: <https://example.org/exitkg-test/> .
ex:finding-1 a ekg:Finding ; ekg:inSource ex:source ; ekg:aboutFactor <https://w3id.org/exitkg/id/factor/stigma> ;
    ekg:fromStudy <https://w3id.org/exitkg/id/study/dahal-2015> ; ekg:statedRole ekg:hindering ;
    ekg:aboutAbsence false ; ekg:quote "a test quote" ; ekg:locatedIn ex:section-table-1 .
ex:finding-2 a ekg:Finding ; ekg:inSource ex:source ; ekg:aboutFactor <https://w3id.org/exitkg/id/factor/stigma> ;
    ekg:fromStudy <https://w3id.org/exitkg/id/study/dahal-2015> ; ekg:statedRole ekg:facilitating ;
    ekg:quote "another test quote" ; ekg:locatedIn ex:section-table-1 .
""")
    return exitkg.load(data=[REPO_ROOT / "tests" / "fixtures" / "sources" / "second-review", extra])


@pytest.mark.parametrize("which", ["packaged", "several reviews", "a second review"])
def test_question_queries_equal_a_lookup_over_the_triples(engine, several_reviews, second_review, which):
    """`factors-of-study` and `evidence-for-factor` give, for every study and every factor, one row
    per finding (per statement) with the level of the review behind its source, as a look-up over
    the triples does: their nested OPTIONALs (written so that a store looks them up per row) match
    the plain join they stand for."""
    graph = {"packaged": engine, "several reviews": several_reviews, "a second review": second_review}[which]
    studies = {q.object for q in graph.store.quads_for_pattern(None, ox.NamedNode(EKG + "fromStudy"), None,
                                                               ox.DefaultGraph())}
    assert len(studies) >= 13
    for study in studies:
        expected = []
        for q in graph.store.quads_for_pattern(None, ox.NamedNode(EKG + "fromStudy"), study, ox.DefaultGraph()):
            if ox.NamedNode(EKG + "Finding") in _objects(graph, q.subject, RDF_TYPE) and \
                    _objects(graph, q.subject, EKG + "aboutAbsence"):
                [factor], [source] = _objects(graph, q.subject, EKG + "aboutFactor"), _objects(graph, q.subject, EKG + "inSource")
                expected += [(q.subject.value, level) for level in _levels_by_review(graph, factor, source)]
        rows = graph.query("factors-of-study", study=study.value).dicts()
        assert sorted((r["finding"], r["level"]) for r in rows) == sorted(expected), study
    factors = {q.object for q in graph.store.quads_for_pattern(None, ox.NamedNode(EKG + "aboutFactor"), None,
                                                               ox.DefaultGraph())}
    for factor in factors:
        expected = []
        for q in graph.store.quads_for_pattern(None, ox.NamedNode(EKG + "aboutFactor"), factor, ox.DefaultGraph()):
            [source] = _objects(graph, q.subject, EKG + "inSource")
            stated = _objects(graph, q.subject, EKG + "statedRole") if _objects(graph, q.subject, EKG + "aboutAbsence") else []
            expected += [(q.subject.value, level, stated[0].value if stated else None)
                         for level in _levels_by_review(graph, factor, source)]
        rows = graph.query("evidence-for-factor", factor=factor.value).dicts()
        assert sorted(((r["statement"], r["level"], r["stated"]) for r in rows), key=str) == sorted(expected, key=str), factor


@pytest.fixture(scope="module")
def incomplete_classifications(tmp_path_factory):
    """The packaged graph, classifications that lack a part (of stigma, at another level, without
    a source; of the family, one without a role, one without a level), and two that disagree on a
    factor without a label."""
    extra = tmp_path_factory.mktemp("incomplete") / "classifications.ttl"
    extra.write_text("""@prefix ekg: <https://w3id.org/exitkg/ontology#> .
@prefix ex: <https://example.org/exitkg-test/> .
ex:c1 ekg:classifies <https://w3id.org/exitkg/id/factor/stigma> ; ekg:level ekg:structuralLevel ; ekg:role ekg:hindering .
ex:c2 ekg:classifies <https://w3id.org/exitkg/id/factor/family> ; ekg:level ekg:structuralLevel ; ekg:inSource ex:s .
ex:c3 ekg:classifies <https://w3id.org/exitkg/id/factor/family> ; ekg:role ekg:hindering ; ekg:inSource ex:s .
ex:c4 ekg:classifies ex:unnamed ; ekg:level ekg:structuralLevel ; ekg:role ekg:hindering ; ekg:inSource ex:s .
ex:c5 ekg:classifies ex:unnamed ; ekg:level ekg:individualLevel ; ekg:role ekg:hindering ; ekg:inSource ex:s .
""")
    return exitkg.load(data=[extra])


@pytest.mark.parametrize("which", ["packaged", "several reviews", "a second review", "incomplete classifications"])
def test_classification_disagreements_equal_a_lookup_over_the_triples(engine, several_reviews, second_review,
                                                                      incomplete_classifications, which):
    """`classification-disagreements` lists every classification of each factor that two
    classifications place at another level or in another role, as a look-up over the triples does:
    its nested OPTIONALs (looked up from each factor found) match the plain join they stand for."""
    graph = {"packaged": engine, "several reviews": several_reviews, "a second review": second_review,
             "incomplete classifications": incomplete_classifications}[which]
    placed, listed = {}, {}
    for q in graph.store.quads_for_pattern(None, ox.NamedNode(EKG + "classifies"), None, ox.DefaultGraph()):
        c, factor = q.subject, q.object
        for level in _objects(graph, c, EKG + "level"):
            for role in _objects(graph, c, EKG + "role"):
                placed.setdefault(factor, []).append((level.value, role.value))
                listed.setdefault(factor, []).extend((level.value, role.value, source.value)
                                                     for source in _objects(graph, c, EKG + "inSource"))
    expected = sorted((f.value, label.value, source, level, role) for f, found in placed.items()
                      if len({x[0] for x in found}) > 1 or len({x[1] for x in found}) > 1
                      for label in _objects(graph, f, "http://www.w3.org/2004/02/skos/core#prefLabel")
                      for level, role, source in listed.get(f, []))
    rows = graph.query("classification-disagreements").dicts()
    assert sorted((r["factor"], r["label"], r["source"], r["level"], r["role"]) for r in rows) == expected
    assert bool(expected) == (which in ("a second review", "incomplete classifications"))


def test_controversy_one_source_all_sources_population_aware(engine):
    every = engine.query("controversial-by-evidence")
    assert slugs(every) == set(FERRARI["controversial_by_evidence"])
    assert {r["status"] for r in every.dicts()} == {"controversial"}
    aware = engine.query("controversial-by-evidence", population_aware="true")
    status = {r["factor"].rsplit("/", 1)[-1]: r["status"] for r in aware.dicts()}
    assert {f for f, s in status.items() if s == "contested"} == set(FERRARI["contested"])
    assert {f for f, s in status.items() if s == "population-specific"} == set(FERRARI["population_specific"])
    # one source: the Discussion layer alone
    layer = engine.query("controversial-by-evidence", source="ferrari-2021-discussion")
    assert slugs(layer) == set(DISCUSSION["controversial_by_evidence"])
    assert {r["in_source"].rsplit("/", 1)[-1] for r in layer.dicts()} == {"ferrari-2021-discussion"}
    # one review: every source that encodes it; without the cited layer, only findings
    review = engine.query("controversial-by-evidence", review="ferrari-2021")
    assert slugs(review) == slugs(every)
    findings = engine.query("controversial-by-evidence", include_cited="false")
    assert {r["kind"] for r in findings.dicts()} == {"finding"}
    assert {r["kind"] for r in every.dicts()} == {"finding", "cited"}
    # both sides are shown: every controversial factor has rows in both directions
    for factor in slugs(every):
        directions = {r["direction"] for r in every.dicts() if r["factor"].endswith("/" + factor)}
        assert len(directions) == 2, factor


def _subset(engine, **params):
    return slugs(engine.query("controversy-on-subset", **params))


def test_controversy_recomputed_on_subsets(engine):
    assert _subset(engine) == set(FERRARI["controversial_by_evidence"])
    assert _subset(engine, design="qualitative") == {"family", "ngos", "religious-organizations"}
    assert _subset(engine, country="IN") == {"stigma"}
    assert _subset(engine, country="US") == {"religious-organizations", "substance-abuse"}
    # without curator inferences (inferred designs, countries and factor links)
    assert _subset(engine, include_inferred="false") == {"family", "ngos", "religious-organizations", "stigma",
                                                         "substance-abuse"}


INJECTIONS = [
    'Stigma"@en } UNION { ?factor ?p ?label } #',
    "stigma> } UNION { ?s ?p ?o",
    '"} UNION {',
    "x' } ; DROP ALL ; #",
]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_string_parameter_is_a_plain_value(tmp_path, engine, payload):
    query_file = tmp_path / "by-label.rq"
    query_file.write_text(
        "# id: by-label\n# title: Factors by exact label\n# kind: question\n"
        "# param: label string -- the label\n"
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "SELECT ?label ?factor WHERE { ?factor skos:prefLabel ?l . FILTER(STR(?l) = ?label) }\n",
        encoding="utf-8",
    )
    query = Q.parse_query_file(query_file)
    assert len(Q.run(query, engine, {"label": "Stigma"}).rows) == 1  # the query works
    assert Q.run(query, engine, {"label": payload}).rows == []         # the payload is only a value


@pytest.mark.parametrize("payload", INJECTIONS)
def test_iri_parameter_rejects_payloads(payload):
    code, out, err = run_in_process("query", "evidence-for-factor", "--param", f"factor={payload}")
    assert code == 4
    assert_one_error_line(err, "parameter factor")
    assert out == ""


@pytest.mark.parametrize("args, fragment", [
    (["query", "no-such-query"], "unknown query"),
    (["query", "evidence-for-factor"], "missing parameter 'factor'"),
    (["query", "figure-2", "--param", "x=1"], "unknown parameter 'x'"),
    (["query", "studies-by-design", "--param", "include_inferred=maybe"], "expected true or false"),
    (["query", "controversy-on-subset", "--param", "design=survey"], "expected one of"),
    (["query", "figure-2", "--param", "novalue"], "KEY=VALUE"),
])
def test_query_errors_are_one_line_exit_4(args, fragment):
    code, out, err = run_in_process(*args)
    assert code == 4, err
    assert_one_error_line(err, fragment)


def test_a_parameter_naming_nothing_in_the_graph_is_noted_when_nothing_is_found(engine):
    """A misspelt slug is a valid IRI, so the query runs and finds nothing: a note on standard
    error says the graph holds nothing about it. An IRI the graph holds (a study given as the
    factor) finds nothing too, without a note; so does a query that finds rows."""
    study = "https://w3id.org/exitkg/id/study/hickle-2017"
    query = Q.resolve("classifications-of-factor")
    assert Q.absent(query, engine, {"factor": "stigmaa"}) == [
        "parameter factor: the graph holds nothing about <https://w3id.org/exitkg/id/factor/stigmaa>"]
    assert Q.absent(query, engine, {"factor": study}) == []
    code, out, err = run_in_process("query", "classifications-of-factor", "--param", "factor=stigmaa")
    assert code == 0 and "(0 rows)" in out
    assert err == "exitkg: note: parameter factor: the graph holds nothing about " \
                  "<https://w3id.org/exitkg/id/factor/stigmaa>\n"
    code, out, err = run_in_process("query", "classifications-of-factor", "--param", f"factor={study}")
    assert (code, err) == (0, "") and "(0 rows)" in out
    code, out, err = run_in_process("query", "classifications-of-factor", "--param", "factor=stigma")
    assert (code, err) == (0, "") and "(1 row)" in out


def test_malformed_sparql_file_exit_4(tmp_path):
    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT ?x WHERE { ?x ?p }\n", encoding="utf-8")
    code, out, err = run_in_process("query", bad)
    assert code == 4
    assert_one_error_line(err, "malformed SPARQL")


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_query_formats(engine, fmt):
    designs = len(_by_design(engine))
    code, out, err = run_in_process("query", "studies-by-design", "--format", fmt)
    assert code == 0, err
    if fmt == "json":
        doc = json.loads(out)
        assert doc["head"]["vars"][:3] == ["review", "include_inferred", "category"]
        assert len(doc["results"]["bindings"]) == designs
    elif fmt == "csv":
        assert out.splitlines()[0] == "review,include_inferred,category,unit,count,members"
    else:
        assert "ekg:qualitative" in out and f"({designs} rows)" in out


def test_catalogue_lists_titles_and_parameters():
    code, out, err = run_in_process("queries")
    assert code == 0, err
    assert "controversy-on-subset" in out and "--param design (design: qualitative|quantitative|mixedMethods, default any)" in out
    code, out, err = run_in_process("queries", "--format", "json")
    assert {q["id"] for q in json.loads(out)} == set(CATALOGUE)


def test_csv_neutralises_formula_cells():
    result = Result(variables=["v"], rows=[{"v": ox.Literal("=HYPERLINK(1)")}, {"v": ox.Literal("@x")},
                                           {"v": ox.Literal("ok")}])
    assert Q.render_csv(result).splitlines() == ["v", "'=HYPERLINK(1)", "'@x", "ok"]


@pytest.mark.parametrize("qid", sorted(CATALOGUE))
def test_every_query_runs_its_examples(engine, qid):
    """Each example of the header binds and runs; a query with parameters has at least one."""
    query = CATALOGUE[qid]
    assert query.examples
    if query.params:
        assert any(example for example in query.examples), f"{qid}: give an example of its parameters"
    for example in query.examples:
        Q.run(query, engine, example)


def test_catalogue_as_data_offers_every_query_as_a_sparql_executable(engine):
    catalogue = CATALOGUE
    result = run_in_process("queries", "--format", "turtle")
    assert result.code == 0, result.stderr
    store = ox.Store()
    store.load(result.stdout.encode("utf-8"), format=ox.RdfFormat.TURTLE)
    rows = list(store.query("""PREFIX sh: <http://www.w3.org/ns/shacl#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?id ?text WHERE { ?q a sh:SPARQLExecutable ; dcterms:identifier ?id ; sh:select ?text }"""))
    assert sorted(r["id"].value for r in rows) == sorted(catalogue)
    for row in rows:
        assert row["text"].value == catalogue[row["id"].value].text
        engine.store.query(row["text"].value)  # each runs as published, parameters unbound
    params = {r["name"].value for r in store.query("""PREFIX sh: <http://www.w3.org/ns/shacl#>
        SELECT ?name WHERE { ?q sh:parameter [ sh:name ?name ] }""")}
    assert params == {p.name for q in catalogue.values() for p in q.params}


def test_query_form_reads_past_comments_and_prologue():
    text = "# drops curator inferences; INSERT nothing\nPREFIX ex: <http://example.org/#>\n\nASK { ?s ?p ?o }\n"
    assert Q.query_form(text) == "ASK"
    assert {Q.query_form(q.text) for q in CATALOGUE.values()} == {"SELECT"}


def test_a_local_query_with_service_is_refused_and_fetches_nothing(tmp_path):
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(1.0)
        query = tmp_path / "federated.rq"
        query.write_text(f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.getsockname()[1]}/sparql> "
                         "{ ?s ?p ?o } }\n", encoding="utf-8")
        code, out, err = run_in_process("query", query)
        assert code == 4
        assert_one_error_line(err, "SERVICE", "--endpoint")
        with pytest.raises(TimeoutError):
            listener.accept()


#: the queries that still test an EXISTS inside a BIND or an IF, each for a reason of its own:
#: Comunica 4.5 answers it wrongly (tests/graph/test_comunica.py, DIFFERS)
EXISTS_IN_AN_EXPRESSION = {"studies-by-nationality"}


def _expressions(text: str, keywords: tuple[str, ...] = ("BIND", "IF")) -> list[str]:
    """The arguments, parentheses included, of every call of *keywords* in *text* (comments dropped)."""
    import re

    text = re.sub(r"(?m)(^|\s)#[^\n]*", r"\1", text)
    found = []
    for start in re.finditer(r"\b(?:" + "|".join(keywords) + r")\s*\(", text):
        depth = 0
        for end in range(start.end() - 1, len(text)):
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            if depth == 0:
                found.append(text[start.end() - 1:end + 1])
                break
    return found


def test_no_query_tests_exists_inside_a_bind_or_an_if():
    """queries/README.md, "How parameters are bound": an EXISTS inside a BIND or an IF fails on
    Virtuoso 7.2 and is answered wrongly, or not within minutes, by Comunica 4.5; a query tests an
    optional part with OPTIONAL and BOUND, or counts in a grouped subquery, instead."""
    assert _expressions("BIND(IF(?p = true, 1, 0) AS ?x) # BIND(EXISTS { })") == [
        "(IF(?p = true, 1, 0) AS ?x)", "(?p = true, 1, 0)"]
    offending = {q.id for q in CATALOGUE.values() if any("EXISTS" in e.upper() for e in _expressions(q.text))}
    assert offending == EXISTS_IN_AN_EXPRESSION
