"""``exitkg link`` on HTCDS records: the field file, the reader, and HTCDS cases beside CTDC cases."""

from __future__ import annotations

import csv

import pytest

from conftest import FIXTURES, REPO_ROOT, assert_one_error_line, run_in_process
from exitkg.linking import htcds

RECORDS = FIXTURES / "htcds" / "records.csv"
LINES = RECORDS.read_text(encoding="utf-8").splitlines()
HEADER, GOOD_ROW = LINES[0], LINES[1]
HTCDS_DIR = REPO_ROOT.parent / "shared" / "reference" / "htcds"
EKG = "https://w3id.org/exitkg/ontology#"
NS = htcds.HTCDS_NS
COUNTRY = "https://w3id.org/exitkg/id/country/"
BAND = "https://w3id.org/exitkg/id/age-band/"
needs_htcds = pytest.mark.skipif(not HTCDS_DIR.is_dir(), reason=f"HTCDS reference files not found at {HTCDS_DIR}")


def graph_of(path):
    from exitkg.graph.local import load

    return load(only=[path], ontology=False).to_rdflib()


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    out = tmp_path_factory.mktemp("htcds") / "records.ttl"
    code, _, err = run_in_process("link", RECORDS, "--out", out)
    assert code == 0, err
    return out


@pytest.fixture(scope="module")
def cases(linked):
    """{source row: {property local name: set of objects as strings}}"""
    from rdflib import RDF, URIRef

    g = graph_of(linked)
    out = {}
    for case in g.subjects(RDF.type, URIRef(EKG + "Case")):
        row = int(g.value(case, URIRef(EKG + "sourceRow")))
        attributes: dict = {}
        for p, o in g.predicate_objects(case):
            if str(p).startswith(EKG) and str(p) not in (EKG + "sourceRow", EKG + "fromDataset"):
                attributes.setdefault(str(p)[len(EKG):], set()).add(str(o))
        out[row] = attributes
    return out


# --------------------------------------------------------------------------- #
# The reader
# --------------------------------------------------------------------------- #

def test_the_fixture_links_with_no_stop(linked, cases):
    assert len(cases) == len(LINES) - 1
    g = graph_of(linked)
    from rdflib import URIRef

    datasets = set(g.objects(None, URIRef(EKG + "fromDataset")))
    assert datasets == {URIRef(NS + "dataset/records")}


def test_values_land_on_the_expected_codes(cases):
    first = cases[2]
    assert first["gender"] == {NS + "prs_Gender/Feminine"}
    assert first["meansOfControl"] == {NS + "vic_MethodsOfControl/PhysicalThreats", NS + "vic_MethodsOfControl/DebtBondage"}
    assert first["citizenship"] == {COUNTRY + "PH"}
    assert first["countryOfExploitation"] == {COUNTRY + "TH"}
    assert first["registrationYear"] == {"2016"}
    assert first["ageBand"] == {BAND + "0-8"}                   # 6 on the referral date
    assert first["recruiterRelation"] == {NS + "vic_RelationshipToTrafficker/Familial"}
    second = cases[3]
    # labels as a system may export them, with a space after the ;
    assert second["exploitationType"] == {NS + "vic_TypeOfExploitation/SexualExploitation",
                                          NS + "vic_TypeOfExploitation/ForcedLabour"}
    assert second["ageBand"] == {BAND + "9-17"}                 # 17: the birthday is the day after the referral
    assert second["citizenship"] == {COUNTRY + "NP"}            # alpha-3
    assert second["countryOfExploitation"] == {COUNTRY + "MY"}
    third = cases[4]
    assert third["gender"] == {NS + "prs_Gender/TransgenderFeminine"}   # the label "Transgender Feminine"
    assert third["citizenship"] == {COUNTRY + "UA", COUNTRY + "MD"}
    assert third["ageBand"] == {BAND + "18-20"}                 # 18 on the day
    assert "countryOfExploitation" not in third                 # a transit event
    assert "gender" not in cases[7]                             # NonSpecifiedUnknown: not recorded
    assert cases[7]["ageBand"] == {BAND + "24-26"}              # 26: the birthday not yet reached
    assert cases[12]["ageBand"] == {BAND + "48-plus"}
    # missing values: an empty record is a case with no attributes; a birthdate without a
    # referral date gives no age band
    empty, partial = cases[len(LINES) - 1], cases[len(LINES)]
    assert empty == {}
    assert set(partial) == {"gender", "citizenship", "exploitationType"}


def test_every_value_of_every_read_field_is_read(cases):
    """The fixture has every picklist value of the fields read; each lands on its own code, and a
    value that means "not recorded" on none."""
    standard = htcds.load_standard()
    used = {o for attributes in cases.values() for objects in attributes.values() for o in objects}
    checked = 0
    for f in standard.read.values():
        if f.read_as != "code":
            continue
        for name, _ in f.values:
            assert (f.code_iri(name) in used) == (name not in f.not_recorded), (f.name, name)
            checked += 1
    assert checked > 100


def test_codes_are_described_and_mappings_travel_with_them(linked):
    from rdflib import RDFS, SKOS, Literal, URIRef

    g = graph_of(linked)
    code = URIRef(NS + "vic_MethodsOfControl/PsychoactiveSubstance")
    assert g.value(code, SKOS.notation) == Literal("PsychoactiveSubstance")
    assert g.value(code, SKOS.inScheme) == URIRef(NS + "vic_MethodsOfControl")
    assert str(g.value(code, RDFS.label)) == "Methods of Control: Psychoactive substance"
    assert (URIRef("https://w3id.org/exitkg/id/factor/substance-abuse"), SKOS.relatedMatch, code) in g
    assert (URIRef(NS + "prs_Gender/Feminine"), SKOS.closeMatch,
            URIRef("https://w3id.org/exitkg/ref/ctdc/gender/Woman")) in g


def test_a_case_finds_its_factors(linked):
    """``?case ?p ?code . ?factor skos:relatedMatch ?code`` gives a case's factors."""
    from exitkg.graph.local import load

    g = load(data=[linked])
    rows = g.run("""PREFIX ekg: <https://w3id.org/exitkg/ontology#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT DISTINCT ?factor WHERE { ?case ekg:sourceRow 2 ; ?p ?code . ?factor skos:relatedMatch ?code }""").rows
    factors = {str(r["factor"].value).rsplit("/", 1)[1] for r in rows}
    # DebtBondage, Addiction and Poverty, Familial, Prostitution, EarlyChildhoodEducation
    assert factors == {"financial-barriers", "substance-abuse", "family", "type-of-exploitation", "cultural-capital"}


def test_case_iris_do_not_depend_on_the_order_of_the_rows(tmp_path, linked):
    from rdflib import RDF, URIRef

    shuffled = _write(tmp_path, "\n".join([HEADER] + LINES[:0:-1]) + "\n")
    out = tmp_path / "shuffled.ttl"
    code, _, err = run_in_process("link", shuffled, "--out", out)
    assert code == 0, err

    def iris(path):
        return set(graph_of(path).subjects(RDF.type, URIRef(EKG + "Case")))

    assert iris(out) == iris(linked)
    assert all(str(i).startswith("https://example.org/cases/case/") for i in iris(out))


def test_the_header_tells_htcds_from_ctdc():
    assert htcds.is_htcds_header(HEADER.split(","))
    assert not htcds.is_htcds_header(["yearOfRegistration", "gender", "ageBroad", "citizenship"])
    assert not htcds.is_htcds_header(["prs_FirstName", "prs_Email"])     # nothing the case model reads
    assert not htcds.is_htcds_header([])


def _write(tmp_path, text: str, name="records.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_unknown_fields_are_named_once_in_a_note(tmp_path):
    rows = [HEADER + ",x_Remarks,prs_ShoeSize"] + [line + ",a,b" for line in LINES[1:]]
    path = _write(tmp_path, "\n".join(rows) + "\n")
    out = tmp_path / "out.ttl"
    code, _, err = run_in_process("link", path, "--out", out)
    assert code == 0, err
    assert err.count("x_Remarks") == 1 and err.count("prs_ShoeSize") == 1, err
    assert "not a field of the HTCDS standard" in err
    assert "a\n" not in out.read_text(encoding="utf-8")
    code, _, err = run_in_process("link", path, "--out", out, "--strict-columns")
    assert code == 2
    assert_one_error_line(err, f"{path}:1:19:", "x_Remarks", "--strict-columns")


@pytest.mark.parametrize("text, where, fragment", [
    (HEADER + ",prs_gender\n" + GOOD_ROW + ",Feminine\n", ":1:19:", "appears twice"),
    (HEADER + "\n" + GOOD_ROW + ",extra\n", ":2:19:", "the row has 19 fields, the header 18"),
    (HEADER + "\n", "", "no records after the header"),
])
def test_a_bad_file_is_refused_in_one_line(tmp_path, text, where, fragment):
    path = _write(tmp_path, text)
    code, _, err = run_in_process("link", path, "--out", tmp_path / "out.ttl")
    assert code == 2, err
    assert_one_error_line(err, f"{path}{where}", fragment)
    assert not (tmp_path / "out.ttl").exists()


def _column(name: str) -> int:
    return HEADER.split(",").index(name)


def _replace(name: str, value: str) -> str:
    cells = next(csv.reader([GOOD_ROW]))
    cells[_column(name)] = value
    return ",".join(f'"{c}"' if ";" in c or "," in c else c for c in cells)


@pytest.mark.parametrize("field, value, fragment", [
    ("prs_Gender", "Female", "takes a value of its HTCDS picklist"),
    ("vic_MethodsOfControl", "DebtBondage;Blackmail", "'Blackmail'"),
    ("prs_Citizenship", "PH;Philippines", "ISO 3166"),
    ("hte_Country", "XYZ", "ISO 3166"),
    ("cas_IncomingReferralDate", "30/04/2016", "YYYY-MM-DD"),
    ("prs_Birthdate", "2017-01-01", "after the referral date"),
    ("hte_Type", "Destination", "Exploitation"),
    ("spl_Type", "=HYPERLINK(1)", "spreadsheet formula"),
])
def test_a_bad_cell_stops_at_its_position_and_writes_nothing(tmp_path, field, value, fragment):
    path = _write(tmp_path, HEADER + "\n" + GOOD_ROW + "\n" + _replace(field, value) + "\n")
    out = tmp_path / "out.ttl"
    out.write_text("previous\n")
    code, _, err = run_in_process("link", path, "--out", out)
    assert code == 2, err
    assert_one_error_line(err, f"{path}:3:{_column(field) + 1}:", fragment)
    assert out.read_text() == "previous\n"
    # --skip-bad-rows leaves the row out and links the rest
    code, _, err = run_in_process("link", path, "--out", out, "--skip-bad-rows")
    assert code == 0, err
    assert err.count("(row skipped)") == 1, err


# --------------------------------------------------------------------------- #
# The field file, against the standard and the mapping set
# --------------------------------------------------------------------------- #

@needs_htcds
def test_the_field_file_is_the_standard():
    """Every field of the reference field list is in the file, with its label and type, and the
    picklist values of the fields read are the standard's (plus the Field Definitions categories
    the field list has no value for, named there)."""
    standard = htcds.load_standard()
    with open(HTCDS_DIR / "HTCDS Field Standards 2.0.csv", encoding="utf-8-sig", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["Field Name including Prefix"].strip()]
    assert {r["Field Name including Prefix"].strip() for r in rows} == set(standard.fields)
    definitions = (HTCDS_DIR / "Field Definitions.md").read_text(encoding="utf-8")
    for r in rows:
        f = standard.fields[r["Field Name including Prefix"].strip()]
        assert (f.label, f.type) == (r["Field Label"].strip(), r["Field Type"].strip())
        if f.values:
            names = [v.strip() for v in r["Value Names (if picklist)"].split("\n") if v.strip()]
            ours = [name for name, _ in f.values]
            assert ours[:len(names)] == names, f.name
            for extra in ours[len(names):]:
                assert f"| MethodsOfControl{extra} " in definitions, (f.name, extra)


def test_the_read_fields_have_a_known_property():
    from exitkg.linking.ctdc import PROPERTIES

    for f in htcds.load_standard().read.values():
        if f.property is not None:
            assert f.property in PROPERTIES, f.name


def test_every_mapped_htcds_code_is_a_value_the_reader_reads():
    from exitkg.linking.mappings import load_mappings

    standard = htcds.load_standard()
    readable = {f.code_iri(name) for f in standard.read.values() if f.read_as == "code" for name, _ in f.values}
    mapped = [m.object_iri for m in load_mappings().mappings if m.object_iri.startswith(NS)]
    assert mapped
    assert sorted(set(mapped) - readable) == []


def test_every_value_read_is_mapped_or_unmapped_with_a_reason():
    import json

    from exitkg.linking.mappings import load_mappings

    mapped = {m.object_iri for m in load_mappings().mappings}
    document = json.loads(htcds.load_standard().path.read_text(encoding="utf-8"))
    for entry in document["fields"]:
        if entry.get("read_as") != "code":
            continue
        f = htcds.load_standard().fields[entry["name"]]
        unmapped = entry.get("unmapped", {})
        listed = set(unmapped.get("values", []))
        for name, _ in f.values:
            if name in f.not_recorded:
                continue
            is_mapped = f.code_iri(name) in mapped
            assert is_mapped != (name in listed), (f.name, name, "mapped" if is_mapped else "not mapped")
        if listed:
            assert len(unmapped.get("reason", "")) >= 60, f.name


def test_close_matches_are_codes_of_the_ctdc_codebook():
    from exitkg.linking.ctdc import load_codebook, normalise

    documented = {(v.name, normalise(c)) for v in load_codebook() for c in v.codes}
    checked = 0
    for f in htcds.load_standard().read.values():
        for _, targets in f.close_match:
            for target in targets:
                variable, _, code = target.partition("/")
                assert (variable, normalise(code)) in documented, target
                checked += 1
    assert checked >= 5


# --------------------------------------------------------------------------- #
# HTCDS and CTDC cases in one cohort
# --------------------------------------------------------------------------- #

#: a few records of the CTDC Global Synthetic Dataset (codebook version 2): a woman of the Philippines
CTDC_SYNTHETIC = ("yearOfRegistration,gender,ageBroad,citizenship,CountryOfExploitation,meansDrugsAlcohol\n"
                  "2016,Woman,18--20,PHL,THA,1\n"
                  "2017,Man,NULL,NPL,IND,NULL\n")


def test_htcds_and_ctdc_cases_are_found_by_the_same_stratified_query(tmp_path, linked):
    ctdc_csv = _write(tmp_path, CTDC_SYNTHETIC, "synthetic.csv")
    ctdc = tmp_path / "synthetic.ttl"
    code, _, err = run_in_process("link", ctdc_csv, "--out", ctdc)
    assert code == 0, err

    def strata(attribute):
        code, out, err = run_in_process("query", "cohort-exit-factors-by", "--data", linked, ctdc,
                                        "--param", f"attribute={attribute}", "--format", "csv")
        assert code == 0, err
        return list(csv.DictReader(out.splitlines()))

    # the same country: one stratum, holding the HTCDS records and the CTDC record of the Philippines
    with open(RECORDS, encoding="utf-8", newline="") as handle:
        philippines = sum(1 for r in csv.DictReader(handle)
                          if {"PH", "PHL"} & {c.strip() for c in r["prs_Citizenship"].split(";")})
    assert philippines >= 2
    rows = [r for r in strata("citizenship") if r["value"] == COUNTRY + "PH"]
    assert rows and {int(r["group_cases"]) for r in rows} == {philippines + 1}
    # the CTDC woman reaches substance abuse through meansDrugsAlcohol, in the same stratum as
    # the HTCDS records that reach it through vic_MethodsOfControl/PsychoactiveSubstance
    substance = next(r for r in rows if r["factor"].endswith("/substance-abuse"))
    assert int(substance["cases"]) >= 1
    # the same gender: each dataset's code is its own stratum of the query, and the HTCDS code is
    # tied to the CTDC one by skos:closeMatch
    values = {r["value"] for r in strata("gender")}
    assert {NS + "prs_Gender/Feminine", "https://w3id.org/exitkg/ref/ctdc/gender/Woman"} <= values
