"""``exitkg link``: the two CTDC datasets as downloaded, the case model, and the cohort queries.

The fixtures (tests/fixtures/ctdc/) are written from the codebook file by make_fixtures.py; the
expected numbers below are computed from the fixtures and the mapping set, never typed in.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path

import pytest

from conftest import FIXTURES, assert_one_error_line, run_exitkg, run_in_process

CTDC = FIXTURES / "ctdc"
GLOBAL = CTDC / "global-dataset.csv"
SYNTHETIC = CTDC / "global-synthetic-2024.csv"
SYNTHETIC_2021 = CTDC / "global-synthetic-2021.csv"
EKG = "https://w3id.org/exitkg/ontology#"
CTDC_NS = "https://w3id.org/exitkg/ref/ctdc/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
FACTOR = "https://w3id.org/exitkg/id/factor/"
BASE_PREDICATES = {"http://www.w3.org/1999/02/22-rdf-syntax-ns#type", EKG + "fromDataset", EKG + "sourceRow",
                   "http://purl.org/dc/terms/source"}


def _rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _write(tmp_path, text: str | bytes, name="cases.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def _write_rows(tmp_path, rows, name="cases.csv") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return _write(tmp_path, buffer.getvalue(), name)


def _link(path: Path, out: Path, *args) -> tuple[str, list]:
    import pyoxigraph as ox

    code, _, err = run_in_process("link", path, "--out", out, "--format", "nt", *args)
    assert code == 0, err
    return err, [q.triple for q in ox.parse(path=out, format=ox.RdfFormat.N_TRIPLES)]


def _cases(triples) -> dict[str, dict[str, set[str]]]:
    """Case IRI -> predicate IRI -> object values."""
    cases: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for t in triples:
        subject = t.subject.value
        if "/case/" in subject:
            cases[subject][t.predicate.value].add(t.object.value)
    return cases


def _by_row(cases) -> dict[int, dict[str, set[str]]]:
    return {int(next(iter(p[EKG + "sourceRow"]))): p for p in cases.values()}


def _factors_of(case: dict[str, set[str]], triples) -> set[str]:
    related = defaultdict(set)
    for t in triples:
        if t.predicate.value == SKOS + "relatedMatch":
            related[t.object.value].add(t.subject.value[len(FACTOR):])
    return {f for p, objects in case.items() for o in objects for f in related.get(o, ())}


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    """Both datasets' fixtures linked: path -> (stderr, triples, output file)."""
    out = {}
    folder = tmp_path_factory.mktemp("linked")
    for path in sorted(CTDC.glob("*.csv")):
        target = folder / (path.stem + ".nt")
        err, triples = _link(path, target)
        out[path.name] = (err, triples, target)
    return out


# --------------------------------------------------------------------------- #
# Both datasets as downloaded
# --------------------------------------------------------------------------- #

def test_fixtures_cover_every_documented_code():
    """Each fixture holds every code and every missing code its codebook documents for its columns."""
    from exitkg.linking.ctdc import load_codebook, normalise, variables_of

    for path, dataset in ((GLOBAL, "global"), (SYNTHETIC, "synthetic"), (SYNTHETIC_2021, "synthetic")):
        rows = _rows(path)
        names = variables_of(dataset)
        seen: dict[str, set[str]] = defaultdict(set)
        for row in rows[1:]:
            for name, cell in zip(rows[0], row, strict=False):
                v = names.get(name.lower())
                if v is not None:
                    members = cell.split(";") if v.kind == "list" and cell not in v.missing else [cell]
                    seen[v.name] |= {normalise(m) for m in members}
        for v in {names[n.lower()] for n in rows[0] if n.lower() in names}:
            wanted = {normalise(c) for c in v.codes + v.missing}
            assert wanted <= seen[v.name], (path.name, v.name, wanted - seen[v.name])
    # the 63 columns of the Global Dataset and the 27 of the 2024 synthetic release, as documented
    assert len(_rows(GLOBAL)[0]) == sum(1 for v in load_codebook() if v.dataset == "global") == 63
    assert len(_rows(SYNTHETIC)[0]) == 27


@pytest.mark.parametrize("name, dataset", [("global-dataset.csv", "dataset/global"),
                                           ("global-synthetic-2024.csv", "dataset/global-synthetic"),
                                           ("global-synthetic-2021.csv", "dataset/global-synthetic")])
def test_both_datasets_link_with_no_stop_and_are_told_apart(linked, name, dataset):
    err, triples, _ = linked[name]
    assert err == ""
    cases = _cases(triples)
    assert len(cases) == len(_rows(CTDC / name)) - 1
    assert {o for c in cases.values() for o in c[EKG + "fromDataset"]} == {CTDC_NS + dataset}


@pytest.mark.parametrize("name", ["global-dataset-extra.csv", "global-synthetic-2024-extra.csv"])
def test_an_undocumented_column_gives_one_note_and_is_left_out(linked, name):
    err, triples, _ = linked[name]
    header = _rows(CTDC / name)[0]
    j = header.index("notInTheCodebook") + 1
    assert err.splitlines() == [f"exitkg: note: {CTDC / name}:1:{j}: column 'notInTheCodebook' is not documented in "
                                f"the {'CTDC Global Dataset (k-anonymised)' if 'global-dataset' in name else 'CTDC Global Synthetic Dataset'}"
                                f" codebook; left out"]
    # the same attributes as the file without the column (the IRIs differ: the cells do)
    _, plain, _ = linked[name.replace("-extra", "")]
    strip = lambda ts: sorted(sorted((p, tuple(sorted(o))) for p, o in c.items()  # noqa: E731
                                     if p != "http://purl.org/dc/terms/source") for c in _cases(ts).values())
    assert strip(triples) == strip(plain)
    assert not any(t.object.value.startswith("extra ") for t in triples)


def test_strict_columns_stops_with_one_line(tmp_path):
    out = tmp_path / "linked.nt"
    code, stdout, err = run_in_process("link", CTDC / "global-synthetic-2024-extra.csv", "--strict-columns", "--out", out)
    assert code == 2 and stdout == ""
    assert_one_error_line(err, "global-synthetic-2024-extra.csv:1:11:", "'notInTheCodebook'", "not documented")
    assert not out.exists()


def test_the_header_alone_may_not_decide_then_the_cells_do(tmp_path):
    out = tmp_path / "o.nt"
    for cells, dataset in ((["2016", "Woman"], "global-synthetic"), (["2016", "Female"], "global")):
        path = _write_rows(tmp_path, [["yearOfRegistration", "gender"], cells])
        _, triples = _link(path, out)
        assert {t.object.value for t in triples if t.predicate.value == EKG + "fromDataset"} == {
            CTDC_NS + "dataset/" + dataset}


# --------------------------------------------------------------------------- #
# The case model
# --------------------------------------------------------------------------- #

def test_a_case_keeps_its_attributes(linked):
    _, triples, _ = linked["global-synthetic-2024.csv"]
    row = _by_row(_cases(triples))[2]  # the forced-labour case of make_fixtures.py
    assert row[EKG + "registrationYear"] == {"2016"}
    assert row[EKG + "gender"] == {CTDC_NS + "gender/Man"}
    assert row[EKG + "ageBand"] == {"https://w3id.org/exitkg/id/age-band/30-38"}
    assert row[EKG + "citizenship"] == {"https://w3id.org/exitkg/id/country/NP"}
    assert row[EKG + "countryOfExploitation"] == {"https://w3id.org/exitkg/id/country/IN"}
    assert row[EKG + "exploitationType"] == {CTDC_NS + "isForcedLabour"}
    assert row[EKG + "meansOfControl"] == {CTDC_NS + "meansDebtBondageEarnings"}
    assert row[EKG + "labourType"] == {CTDC_NS + "typeOfLabourAgriculture"}
    assert row[EKG + "traffickingDuration"] == {CTDC_NS + "traffickMonths/13--24%20%281-2%20yrs%29"}
    # each code used is described once: label, notation as written, scheme
    described = {(t.subject.value, t.predicate.value): t.object.value for t in triples}
    assert described[(CTDC_NS + "gender/Man", SKOS + "notation")] == "Man"
    assert described[(CTDC_NS + "gender/Man", SKOS + "inScheme")] == CTDC_NS + "gender"
    assert described[(CTDC_NS + "isForcedLabour", SKOS + "notation")] == "isForcedLabour"


def test_a_forced_labour_case_reaches_no_prostitution_factor(linked):
    for name in ("global-dataset.csv", "global-synthetic-2024.csv"):
        _, triples, _ = linked[name]
        cases = _cases(triples)
        labour = [c for c in cases.values() if CTDC_NS + "isForcedLabour" in c[EKG + "exploitationType"]
                  and CTDC_NS + "isSexualExploit" not in c[EKG + "exploitationType"]
                  and not c[EKG + "sexualExploitationType"]]
        assert labour, name
        for case in labour:
            assert "type-of-exploitation" not in _factors_of(case, triples), (name, case)
        # ... while the hand-made forced-labour case does reach the factor of its means of control
        assert _factors_of(_by_row(cases)[2], triples) == {"financial-barriers"}
        # and the sexual-exploitation case reaches the factor on indoor and outdoor prostitution
        assert "type-of-exploitation" in _factors_of(_by_row(cases)[3], triples)


def test_missing_codes_give_no_triple(tmp_path):
    from exitkg.linking.ctdc import load_codebook

    out = tmp_path / "o.nt"
    for dataset in ("global", "synthetic"):
        variables = [v for v in load_codebook() if v.dataset == dataset and not v.note.startswith("2021")]
        rows = [[v.name for v in variables]]
        width = max(len(v.missing) for v in variables) + 1
        for i in range(width):  # every missing code of every column, and an empty cell
            rows.append([(list(v.missing) + [""])[i % (len(v.missing) + 1)] for v in variables])
        if dataset == "global":  # and a flag's 0
            rows.append(["0" if v.kind == "flag" else "" for v in variables])
        _, triples = _link(_write_rows(tmp_path, rows), out)
        cases = _cases(triples)
        assert len(cases) == len(rows) - 1
        for case in cases.values():
            assert set(case) == BASE_PREDICATES, dataset


def test_a_list_gives_one_code_per_member(tmp_path):
    path = _write_rows(tmp_path, [["yearOfRegistration", "typeOfExploitConcatenated", "RecruiterRelationship"],
                                  ["2016", "Forced labour and/or services;Sexual exploitation", "Friend/Acquaintance; Other"]])
    _, triples = _link(path, tmp_path / "o.nt")
    (case,) = _cases(triples).values()
    assert case[EKG + "exploitationType"] == {CTDC_NS + "typeOfExploitConcatenated/Forced%20labour%20and%2For%20services",
                                              CTDC_NS + "typeOfExploitConcatenated/Sexual%20exploitation"}
    assert case[EKG + "recruiterRelation"] == {CTDC_NS + "RecruiterRelationship/Friend%2FAcquaintance",
                                               CTDC_NS + "RecruiterRelationship/Other"}


def test_alpha3_and_alpha2_countries_give_the_same_iri(tmp_path):
    out = tmp_path / "o.nt"
    _, two = _link(_write_rows(tmp_path, [["yearOfRegistration", "Datasource", "citizenship"],
                                          ["2016", "Hotline", "NP"], ["2016", "Hotline", "AN"]], "a.csv"), out)
    _, three = _link(_write_rows(tmp_path, [["yearOfRegistration", "traffickMonths", "citizenship"],
                                            ["2016", "NULL", "NPL"], ["2016", "NULL", "ANT"]], "b.csv"), out)
    for triples in (two, three):
        assert {o for c in _cases(triples).values() for o in c[EKG + "citizenship"]} == {
            "https://w3id.org/exitkg/id/country/NP", "https://w3id.org/exitkg/id/country/AN"}
    # a country the packaged graph does not describe is described by the output, as the shapes want
    assert any(t.subject.value.endswith("/country/AN") and t.predicate.value == SKOS + "prefLabel" for t in three)


def test_age_bands_agree_across_datasets_and_spellings():
    from exitkg.linking.ctdc import age_band

    assert age_band("18--20") == age_band("18\u201420") == age_band("18-20") == (
        "https://w3id.org/exitkg/id/age-band/18-20", 18, 20)
    assert age_band("48+") == ("https://w3id.org/exitkg/id/age-band/48-plus", 48, None)
    assert age_band("-99") is None and age_band("NULL") is None


def test_case_iris_are_stable_and_independent_of_row_order(tmp_path):
    rows = _rows(SYNTHETIC)
    rows = rows + [rows[1], rows[1]]  # a row three times: -2, -3
    first, second, reversed_ = (tmp_path / f"{n}.nt" for n in ("first", "second", "reversed"))
    path = _write_rows(tmp_path, rows)
    _, one = _link(path, first)
    _, two = _link(path, second)
    (tmp_path / "r").mkdir()
    _, back = _link(_write_rows(tmp_path / "r", [rows[0]] + rows[:0:-1]), reversed_)  # same name, rows reversed
    assert set(_cases(one)) == set(_cases(two)) == set(_cases(back))
    iris = set(_cases(one))
    assert len(iris) == len(rows) - 1
    assert sum(1 for i in iris if i.endswith(("-2", "-3"))) == 2
    assert all(i.startswith("https://example.org/cases/case/") and "row" not in i for i in iris)
    # what changes with the order is the provenance only
    assert {p: o for p, o in _cases(one)[sorted(iris)[0]].items() if p != EKG + "sourceRow"} == \
        {p: o for p, o in _cases(back)[sorted(iris)[0]].items() if p != EKG + "sourceRow"}


# --------------------------------------------------------------------------- #
# The cohort queries
# --------------------------------------------------------------------------- #

def _expected_factor_cases(path: Path) -> dict[str, dict[str, set[int]]]:
    """factor -> gender code -> data lines, computed from the CSV and the mapping set (flags only:
    every mapped CTDC code is a flag)."""
    from exitkg.linking.mappings import CTDC_NS as NS, load_mappings

    flags = defaultdict(set)
    for m in load_mappings().mappings:
        if m.object_iri.startswith(NS):
            flags[m.object_iri[len(NS):]].add(m.subject_iri[len(FACTOR):])
    rows = _rows(path)
    header = rows[0]
    out: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for line, row in enumerate(rows[1:], 2):
        gender = row[header.index("gender")]
        gender = gender if gender not in ("NULL", "-99", "Unknown", "") else "not recorded"
        for name, cell in zip(header, row, strict=False):
            if cell == "1":
                for factor in flags.get(name, ()):
                    out[factor][gender].add(line)
    return out


def test_cohort_query_counts_the_cases_of_each_factor(linked):
    _, _, out = linked["global-dataset.csv"]
    code, answer, err = run_in_process("query", "cohort-exit-factors", "--data", out, "--format", "csv")
    assert code == 0, err
    rows = {r["factor"].rsplit("/", 1)[-1]: r for r in csv.DictReader(io.StringIO(answer))}
    expected = _expected_factor_cases(GLOBAL)
    assert {f: int(r["cases"]) for f, r in rows.items()} == {
        f: len(set().union(*groups.values())) for f, groups in expected.items()}
    assert rows["substance-abuse"]["status"] == "controversial by evidence"
    assert rows["type-of-exploitation"]["codes"] == "isSexualExploit typeOfSexProstitution"


def test_stratified_query_splits_a_cohort_by_gender(linked):
    _, _, out = linked["global-synthetic-2024.csv"]
    code, answer, err = run_in_process("query", "cohort-exit-factors-by", "--data", out, "--param", "attribute=gender",
                                       "--format", "csv")
    assert code == 0, err
    got = {(r["factor"].rsplit("/", 1)[-1], r["value_label"]): int(r["cases"]) for r in csv.DictReader(io.StringIO(answer))}
    expected = {(f, g): len(lines) for f, groups in _expected_factor_cases(SYNTHETIC).items() for g, lines in groups.items()}
    assert got == expected
    assert {g for _, g in got} >= {"Man", "Woman", "not recorded"}
    # the group sizes are the cases of each gender
    sizes = {r["value_label"]: int(r["group_cases"]) for r in csv.DictReader(io.StringIO(answer))}
    column = [row[_rows(SYNTHETIC)[0].index("gender")] for row in _rows(SYNTHETIC)[1:]]
    assert sizes["Woman"] == column.count("Woman") and sizes["Man"] == column.count("Man")


def test_stratified_query_refuses_an_attribute_that_is_not_one(linked):
    _, _, out = linked["global-synthetic-2024.csv"]
    code, _, err = run_in_process("query", "cohort-exit-factors-by", "--data", out, "--param", "attribute=shoeSize")
    assert code == 4
    assert_one_error_line(err, "attribute", "gender")


# --------------------------------------------------------------------------- #
# Bad input
# --------------------------------------------------------------------------- #

HEADER = ",".join(_rows(GLOBAL)[0])
GOOD_ROW = ",".join(_rows(GLOBAL)[2])  # the sexual-exploitation case
COLUMNS = _rows(GLOBAL)[0]


def _col(name: str) -> int:
    return COLUMNS.index(name) + 1


def _replace(column: str, value: str) -> str:
    cells = _rows(GLOBAL)[2]
    cells[COLUMNS.index(column)] = value
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(cells)
    return buffer.getvalue()


@pytest.mark.parametrize("body, where, fragment", [
    (None, None, "invalid UTF-8"),  # the body is written in Latin-1 below
    (HEADER + "\n" + GOOD_ROW + ",extra\n", ":2:", f"the row has {len(COLUMNS) + 1} fields, the header {len(COLUMNS)}"),
    (HEADER + "\n" + _replace("Datasource", '=HYPERLINK("x")') + "\n", f":2:{_col('Datasource')}:", "spreadsheet formula"),
    (HEADER + "\n" + _replace("ageBroad", "+18") + "\n", f":2:{_col('ageBroad')}:", "spreadsheet formula"),
    (HEADER + "\n" + _replace("isForcedLabour", "yes") + "\n", f":2:{_col('isForcedLabour')}:",
     "takes 1, 0 or a missing code"),
    (HEADER + "\n" + _replace("gender", "Woman") + "\n", f":2:{_col('gender')}:", "not 'Woman'"),
    (HEADER + "\n" + _replace("typeOfExploitConcatenated", "Sexual exploitation;Forced labour") + "\n",
     f":2:{_col('typeOfExploitConcatenated')}:", "not 'Forced labour'"),
    (HEADER + "\n" + _replace("citizenship", "XYZ") + "\n", f":2:{_col('citizenship')}:", "country code"),
    (HEADER + "\n" + _replace("yearOfRegistration", "16") + "\n", ":2:1:", "a year"),
    (HEADER.replace("gender", "Gender,gender") + "\n", ":1:4:", "appears twice"),
    ("sex,colour\nF,red\n", ":1:1:", "no column of the header is a column of a CTDC dataset"),
    (HEADER + "\n", None, "no records"),
    ("", None, "empty"),
])
def test_bad_csv_gives_position_and_writes_nothing(tmp_path, body, where, fragment):
    if fragment == "invalid UTF-8":
        data = (HEADER + "\n" + _replace("Datasource", "Caf\xe9") + "\n").encode("latin-1")
        path = _write(tmp_path, data)
        where = f":2:{len(','.join(_rows(GLOBAL)[2][:COLUMNS.index('Datasource')])) + 5}:"
    else:
        path = _write(tmp_path, body)
    out = tmp_path / "linked.ttl"
    out.write_text("previous\n")
    code, stdout, err = run_in_process("link", path, "--out", out)
    assert code == 2
    line = assert_one_error_line(err, str(path), fragment)
    if where:
        assert where in line, line
    assert out.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["cases.csv", "linked.ttl"])


def test_negative_numbers_are_missing_codes_not_formulas(tmp_path):
    path = _write(tmp_path, HEADER + "\n" + _replace("meansOfControlPsychoactiveSubstances", "-99") + "\n")
    code, out, err = run_in_process("link", path)
    assert code == 0, err
    assert "meansOfControlPsychoactiveSubstances" not in out


def test_link_base_must_be_an_iri():
    code, out, err = run_in_process("link", GLOBAL, "--base", "not an iri")
    assert code == 3
    assert_one_error_line(err, "base IRI")


@pytest.mark.parametrize("fmt, parser", [("nt", "N_TRIPLES"), ("ntriples", "N_TRIPLES"), ("ttl", "TURTLE"),
                                         ("turtle", "TURTLE")])
def test_every_format_gives_the_same_triples(linked, tmp_path, fmt, parser):
    import pyoxigraph as ox

    out = tmp_path / f"cohort.{fmt}"
    code, _, err = run_in_process("link", GLOBAL, "--out", out, "--format", fmt)
    assert code == 0, err
    got = {q.triple for q in ox.parse(path=out, format=getattr(ox.RdfFormat, parser))}
    assert got == set(linked["global-dataset.csv"][1])


def test_a_bad_row_after_many_good_ones_writes_nothing(tmp_path):
    """The whole file is checked before the first triple is written, however long it is."""
    rows = [GOOD_ROW] * 5000 + [_replace("isForcedLabour", "yes")]
    path = _write(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n")
    code, stdout, err = run_in_process("link", path)
    assert code == 2 and stdout == ""
    assert_one_error_line(err, f"{path}:5002:{_col('isForcedLabour')}:", "takes 1, 0 or a missing code")


def test_skip_bad_rows_names_an_undocumented_code_and_links_the_rest(tmp_path):
    path = _write(tmp_path, HEADER + "\n" + GOOD_ROW + "\n" + _replace("gender", "Woman") + "\n")
    code, out, err = run_in_process("link", path, "--skip-bad-rows", "--format", "nt")
    assert code == 0, err
    assert err.splitlines() == [f"exitkg: note: {path}:3:{_col('gender')}: column gender takes a code of the "
                                "codebook (Male; Female; Transgender/NonConforming) or a missing code, not 'Woman' "
                                "(row skipped)"]
    assert out.count("#sourceRow>") == 1


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


def test_the_query_parameter_type_lists_the_case_properties_of_the_ontology():
    """case_attribute (exitkg.sparql.queries) takes exactly the case properties, and each is in the ontology."""
    from rdflib import Graph, URIRef
    from rdflib.namespace import RDFS

    from conftest import REPO_ROOT
    from exitkg.linking.ctdc import PROPERTIES
    from exitkg.sparql.queries import CLOSED_TYPES

    assert CLOSED_TYPES["case_attribute"] == PROPERTIES
    ontology = Graph().parse(REPO_ROOT / "ontology" / "exit-factors.ttl")
    for name in PROPERTIES:
        assert (URIRef(EKG + name), RDFS.label, None) in ontology, name
        assert (URIRef(EKG + name), RDFS.subPropertyOf, URIRef(EKG + "caseAttribute")) in ontology \
            or name == "registrationYear", name
