"""Realistic scaled data for the benchmark: CTDC-shaped case records and a larger evidence graph.

    python benchmarks/scaled.py cases 200000 cases.csv     # 200,000 rows, every CTDC column
    python benchmarks/scaled.py evidence 300 evidence.nt   # about 900,000 triples of evidence

Evidence: K copies of the packaged reviews' data (reviews, sources, studies, samples, findings,
classifications, counts ...), each copy with identifiers of its own, except the factors: copy i
speaks of the factors of variant i mod G (G = 30 by default), so with K = 300 there are about
1,000 factors, each with the findings of ten studies; in every copy but the first, each finding's
stated role is reversed with probability 0.1, so factors gain conflicts as evidence accumulates.
Countries, regions, count dimensions and units are shared vocabulary, as in a real graph.

Rows have every column of the CTDC global synthetic dataset, with values drawn (from a fixed
seed, so the same call gives the same file) in the proportions of a sex-trafficking caseload:
mostly women, mostly sexual exploitation, a few means of control per case, missing codes (-99)
where CTDC has them.
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from exitkg.link import CTDC_COLUMNS, is_flag  # noqa: E402

AGES = ("0--8", "9--17", "18--20", "21--23", "24--26", "27--29", "30--38", "39--47", "48+")
COUNTRIES = ("US", "PH", "IN", "NP", "UA", "MD", "RO", "KH", "TH", "NG", "MX", "ID")
EXPLOITS = ("Sexual exploitation", "Sexual exploitation", "Sexual exploitation", "Forced labour",
            "Sexual exploitation;Forced labour", "Other")


def case_rows(n: int, seed: int = 2021):
    """*n* rows (dicts by CTDC column), the same for the same seed."""
    rng = random.Random(seed)
    for _ in range(n):
        exploit = rng.choice(EXPLOITS)
        row = {
            "yearOfRegistration": str(rng.randint(2002, 2021)),
            "Datasource": rng.choice(("Case Management", "Case Management", "Hotline")),
            "gender": rng.choices(("Female", "Male"), (0.8, 0.2))[0],
            "ageBroad": rng.choice(AGES + ("-99",)),
            "majorityStatus": rng.choice(("Adult", "Adult", "Minor", "-99")),
            "majorityStatusAtExploit": rng.choice(("Adult", "Minor", "-99")),
            "majorityEntry": rng.choice(("Adult", "Minor", "-99")),
            "citizenship": rng.choice(COUNTRIES),
            "CountryOfExploitation": rng.choice(COUNTRIES),
            "typeOfExploitConcatenated": exploit,
        }
        for column in CTDC_COLUMNS:
            if column in row:
                continue
            if column == "isSexualExploit":
                row[column] = "1" if "Sexual" in exploit else "0"
            elif column == "isForcedLabour":
                row[column] = "1" if "labour" in exploit else "0"
            elif column == "isOtherExploit":
                row[column] = "1" if exploit == "Other" else "0"
            elif is_flag(column):
                row[column] = rng.choices(("1", "0", "-99"), (0.2, 0.6, 0.2))[0]
            else:
                row[column] = "-99"
        yield row


def write_cases(path: str | Path, n: int, seed: int = 2021) -> Path:
    path = Path(path)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(CTDC_COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(case_rows(n, seed))
    return path


ID = "https://w3id.org/exitkg/id/"
SHARED = ("country", "region", "dimension", "unit", "category", "scheme")
EKG = "https://w3id.org/exitkg/ontology#"


def evidence_triples(k: int, variants: int = 30, flip: float = 0.1, seed: int = 2021):
    """The triples (pyoxigraph) of *k* copies of the packaged data, as described above."""
    import pyoxigraph as ox

    from exitkg.graph import ONTOLOGY_GRAPH, load

    graph = load()
    ontology = {q.triple for q in graph.graph_quads(ONTOLOGY_GRAPH)}
    data = sorted((q.triple for q in graph.triples() if q.triple not in ontology), key=str)
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
