"""Realistic scaled data for the benchmark: CTDC-shaped case records and a larger evidence graph.

    python benchmarks/scaled.py cases 258000 cases.csv     # the CTDC synthetic dataset's full size
    python benchmarks/scaled.py evidence 300 evidence.nt   # about 900,000 triples of evidence

Evidence: K copies of the packaged reviews' data (reviews, sources, studies, samples, findings,
classifications, counts ...), each copy with identifiers of its own, except the factors: copy i
speaks of the factors of variant i mod G (G = 30 by default), so with K = 300 there are about
1,000 factors, each with the findings of ten studies; in every copy but the first, each finding's
stated role is reversed with probability 0.1, so factors gain conflicts as evidence accumulates.
Countries, regions, count dimensions and units are shared vocabulary, as in a real graph.

Case rows have the 27 columns of the CTDC Global Synthetic Dataset (2024 release), read from the
packaged codebook file (``mappings/ctdc-codebook.tsv``, the rows of dataset ``synthetic`` that are
not names of the 2021 release), with values drawn from the codes it documents, missing code
(``NULL``) included: a year of the codebook's range, a documented category code, an ISO 3166-1
alpha-3 country code, a flag 1 (one case in five) or ``NULL``. The same seed gives the same file.
``cases 258000`` is the dataset's full size.
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

CODEBOOK = REPO / "mappings" / "ctdc-codebook.tsv"
#: the synthetic dataset's full size (codebook version 2, February 2024)
FULL_SIZE = 258_000
#: the range of yearOfRegistration the codebook documents
YEARS = (2002, 2022)
#: ISO 3166-1 alpha-3 codes drawn for the country columns (countries of origin and of exploitation
#: that are frequent in counter-trafficking case data, and others)
ALPHA3 = ("USA", "PHL", "IND", "NPL", "UKR", "MDA", "ROU", "KHM", "THA", "NGA", "MEX", "IDN", "VNM", "MMR",
          "BGR", "ALB", "BLR", "HTI", "GHA", "ETH", "KEN", "UGA", "SLE", "LKA", "BGD", "MYS", "LAO", "CHN",
          "KAZ", "UZB", "KGZ", "TJK", "RUS", "POL", "GBR", "DEU", "ITA", "ESP", "PRT", "ARE", "SAU", "QAT")
FLAG_SHARE = 0.2
NULL_SHARE = 0.1


def synthetic_columns(codebook: str | Path = CODEBOOK) -> list[dict]:
    """The 27 variables of the synthetic dataset's 2024 release, in codebook order: dicts with the
    codebook file's columns (variable, kind, codes as a list, missing as a list ...)."""
    with open(codebook, encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    out = []
    for row in csv.DictReader(lines, delimiter="\t"):
        if row["dataset"] != "synthetic" or "2021" in (row.get("note") or ""):
            continue
        row["codes"] = [c.strip() for c in (row["codes"] or "").split("|") if c.strip()]
        row["missing"] = [c.strip() for c in (row["missing"] or "").split("|") if c.strip()]
        out.append(row)
    return out


def case_rows(n: int, seed: int = 2021, codebook: str | Path = CODEBOOK):
    """*n* rows (lists, in the order of :func:`synthetic_columns`), the same for the same seed."""
    columns = synthetic_columns(codebook)
    rng = random.Random(seed)
    draws = []
    for c in columns:
        missing = c["missing"][0] if c["missing"] else ""
        if c["kind"] == "flag":
            draws.append(lambda missing=missing: "1" if rng.random() < FLAG_SHARE else missing)
        elif c["kind"] == "year":
            draws.append(lambda missing=missing: missing if rng.random() < NULL_SHARE else str(rng.randint(*YEARS)))
        elif c["kind"] == "country":
            draws.append(lambda missing=missing: missing if rng.random() < NULL_SHARE else rng.choice(ALPHA3))
        else:  # category, age band: one documented code
            draws.append(lambda codes=c["codes"], missing=missing:
                         missing if rng.random() < NULL_SHARE else rng.choice(codes))
    for _ in range(n):
        yield [draw() for draw in draws]


def write_cases(path: str | Path, n: int, seed: int = 2021) -> Path:
    """A CSV of *n* synthetic-dataset rows (header: the codebook's variable names)."""
    path = Path(path)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([c["variable"] for c in synthetic_columns()])
        writer.writerows(case_rows(n, seed))
    return path


ID = "https://w3id.org/exitkg/id/"
SHARED = ("country", "region", "dimension", "unit", "category", "scheme")
EKG = "https://w3id.org/exitkg/ontology#"


def evidence_triples(k: int, variants: int = 30, flip: float = 0.1, seed: int = 2021):
    """The triples (pyoxigraph) of *k* copies of the packaged data, as described above."""
    import pyoxigraph as ox

    from exitkg.graph.local import ONTOLOGY_GRAPH, load

    graph = load()
    ontology = {q.triple for q in graph.graph_quads(ONTOLOGY_GRAPH)}
    derived = ox.NamedNode(EKG + "effectiveRole")  # derived again when the copies are loaded
    data = sorted((q.triple for q in graph.triples() if q.triple not in ontology and q.predicate != derived),
                  key=str)
    rng = random.Random(seed)
    stated = ox.NamedNode(EKG + "statedRole")
    facilitating, hindering = ox.NamedNode(EKG + "facilitating"), ox.NamedNode(EKG + "hindering")
    for i in range(k):
        variant = i % variants

        def rename(term):
            if not isinstance(term, ox.NamedNode) or not term.value.startswith(ID):
                return term
            kind = term.value[len(ID):].split("/", 1)[0]
            if kind in SHARED or i == 0:
                return term
            if kind == "factor":
                return ox.NamedNode(f"{term.value}-v{variant}") if variant else term
            return ox.NamedNode(f"{term.value}-c{i}")

        for t in data:
            obj = t.object
            if i and t.predicate == stated and rng.random() < flip:
                obj = hindering if obj == facilitating else facilitating
            yield ox.Triple(rename(t.subject), t.predicate, rename(obj))


def write_evidence(path: str | Path, k: int, variants: int = 30, flip: float = 0.1) -> Path:
    import pyoxigraph as ox

    path = Path(path)
    ox.serialize(evidence_triples(k, variants, flip), str(path), format=ox.RdfFormat.N_TRIPLES)
    return path


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] not in ("cases", "evidence") or not argv[1].isdigit():
        print("usage: python benchmarks/scaled.py cases N OUT.csv | evidence K OUT.nt", file=sys.stderr)
        return 2
    if argv[0] == "cases":
        write_cases(argv[2], int(argv[1]))
    else:
        write_evidence(argv[2], int(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
