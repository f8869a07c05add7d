"""``exitkg link``: CTDC-shaped case records linked to the exit factors, and the cohort query."""

from __future__ import annotations

import csv
import io

import pytest

from conftest import FIXTURES, assert_one_error_line, run_exitkg

COHORT = FIXTURES / "link" / "cohort.csv"
HEADER = COHORT.read_text(encoding="utf-8").splitlines()[0]
GOOD_ROW = COHORT.read_text(encoding="utf-8").splitlines()[1]


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    out = tmp_path_factory.mktemp("linked") / "cohort.ttl"
    code, _, err = run_exitkg("link", COHORT, "--out", out)
    assert code == 0, err
    return out


def test_link_makes_cases_and_attributes(linked):
    from rdflib import RDF, URIRef

    from exitkg.graph import load

    graph = load(only=[linked], ontology=False).to_rdflib()
    ekg = "https://w3id.org/exitkg/ontology#"
    cases = set(graph.subjects(RDF.type, URIRef(ekg + "Case")))
    assert len(cases) == 4
    attribute = URIRef("https://example.org/cases/row-3/meansOfControlPsychoactiveSubstances")
    assert (attribute, URIRef(ekg + "relatedFactor"), URIRef("https://w3id.org/exitkg/id/factor/substance-abuse")) in graph
    # a flag set to 0, or a missing code, makes no attribute
    assert (URIRef("https://example.org/cases/row-2/meansOfControlTakesEarnings"), None, None) not in graph
    assert (URIRef("https://example.org/cases/row-5/recruiterRelationFamily"), None, None) not in graph


def test_cohort_query_answers(linked):
    code, out, err = run_exitkg("query", "cohort-exit-factors", "--data", linked, "--format", "csv")
    assert code == 0, err
    rows = {r["factor"].rsplit("/", 1)[-1]: r for r in csv.DictReader(io.StringIO(out))}
    assert {k: int(v["cases"]) for k, v in rows.items()} == {
        "type-of-exploitation": 4, "financial-barriers": 3, "social-support": 2, "substance-abuse": 2,
        "family": 1, "friends": 1, "law-enforcement": 1,
    }
    assert rows["substance-abuse"]["status"] == "controversial by evidence"
    assert rows["financial-barriers"]["hindering"] == "2"


def _write(tmp_path, text: str | bytes, name="cases.csv"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


@pytest.mark.parametrize("body, where, fragment", [
    (None, ":2:9:", "invalid UTF-8"),  # the body is written in Latin-1 below
    (HEADER + "\n" + GOOD_ROW + ",extra\n", ":2:", "the row has 20 fields, the header 19"),
    (HEADER.replace("gender", "sex") + "\n" + GOOD_ROW + "\n", ":1:3:", "unknown column 'sex'"),
    (HEADER + "\n" + GOOD_ROW.replace("Case Management", "=HYPERLINK(\"x\")") + "\n", ":2:2:", "spreadsheet formula"),
    (HEADER + "\n" + GOOD_ROW.replace(",18--20,", ",+18,") + "\n", ":2:4:", "spreadsheet formula"),
    (HEADER + "\n" + GOOD_ROW.replace("NP,IN,1,0", "NP,IN,yes,0") + "\n", ":2:8:", "takes 1, 0 or a missing code"),
    (HEADER + "\n", None, "no records"),
    ("", None, "empty"),
])
def test_bad_csv_gives_position_and_writes_nothing(tmp_path, body, where, fragment):
    if fragment == "invalid UTF-8":
        data = (HEADER + "\n" + GOOD_ROW.replace("Case Management", "Caf\xe9") + "\n").encode("latin-1")
        path = _write(tmp_path, data)
    else:
        path = _write(tmp_path, body)
    out = tmp_path / "linked.ttl"
    out.write_text("previous\n")
    code, stdout, err = run_exitkg("link", path, "--out", out)
    assert code == 2
    line = assert_one_error_line(err, str(path), fragment)
    if where:
        assert where in line, line
    assert out.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["cases.csv", "linked.ttl"])


def test_missing_codes_and_negative_numbers_are_not_formulas(tmp_path):
    path = _write(tmp_path, HEADER + "\n" + GOOD_ROW.replace(",1,0,0,0,0,1,", ",-99,0,0,0,0,1,") + "\n")
    code, out, err = run_exitkg("link", path)
    assert code == 0, err
    assert "row-2/meansOfControlDebtBondage" not in out


def test_link_base_must_be_an_iri(tmp_path):
    code, out, err = run_exitkg("link", COHORT, "--base", "not an iri")
    assert code == 3
    assert_one_error_line(err, "base IRI")


@pytest.mark.parametrize("fmt, parser", [("nt", "N_TRIPLES"), ("ntriples", "N_TRIPLES"), ("ttl", "TURTLE")])
def test_every_format_gives_the_same_triples(linked, tmp_path, fmt, parser):
    import pyoxigraph as ox

    out = tmp_path / f"cohort.{fmt}"
    code, _, err = run_exitkg("link", COHORT, "--out", out, "--format", fmt)
    assert code == 0, err
    got = {q.triple for q in ox.parse(path=out, format=getattr(ox.RdfFormat, parser))}
    assert got == {q.triple for q in ox.parse(path=linked, format=ox.RdfFormat.TURTLE)}


def test_a_bad_row_after_many_good_ones_writes_nothing(tmp_path):
    """The whole file is checked before the first triple is written, however long it is."""
    rows = [GOOD_ROW] * 5000 + [GOOD_ROW.replace("NP,IN,1,0", "NP,IN,yes,0")]
    path = _write(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n")
    code, stdout, err = run_exitkg("link", path)
    assert code == 2 and stdout == ""
    assert_one_error_line(err, f"{path}:5002:8:", "takes 1, 0 or a missing code")


def test_progress_shows_on_a_terminal_only(tmp_path):
    """On a terminal, standard error shows how far linking has got; in a pipe, nothing."""
    from conftest import run_on_terminal

    path = _write(tmp_path, HEADER + "\n" + "\n".join([GOOD_ROW] * 200) + "\n")
    out = tmp_path / "linked.ttl"
    code, _, seen = run_on_terminal("link", path, "--out", out)
    assert code == 0
    assert b"linking cases: " in seen and b"of 200" in seen
    code, _, err = run_exitkg("link", path, "--out", out)
    assert code == 0 and err == ""
