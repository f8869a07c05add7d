"""The benchmark runs from a clean checkout: every part at its quick sizes, once, and its tables
render from the figures. (What the figures say is in benchmarks/README.md; no timing is asserted.)"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from conftest import REPO_ROOT

BENCH = REPO_ROOT / "benchmarks" / "bench.py"
RESULTS = REPO_ROOT / "benchmarks" / "results"
README = (REPO_ROOT / "benchmarks" / "README.md").read_text(encoding="utf-8")


@pytest.mark.slow  # the whole benchmark at its quick sizes: minutes of CPU
def test_every_part_of_the_benchmark_runs_and_renders(tmp_path):
    out = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, str(BENCH), "--quick", "--repeat", "1", "--out", str(out)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads(out.read_text(encoding="utf-8"))
    assert {"startup", "validate", "link", "load", "cohort", "queries", "reason"} <= set(results)
    assert {r["kind"] for r in results["load"]["series"]} == {"cases", "evidence"}
    assert all(r["same_rows"] for r in results["cohort"]["series"])  # in memory and through --store
    table = subprocess.run([sys.executable, str(BENCH), "--table", str(out)], capture_output=True, text=True)
    assert table.returncode == 0, table.stderr
    for heading in ("| whole command |", "| validation of the packaged graph |", "| synthetic-dataset rows |",
                    "raw bulk load", "| `exitkg query cohort-exit-factors --data LINKED` |", "| query |", "| the engine alone |", "| reasoning |"):
        assert heading in table.stdout
    # the engine alone is timed on rdflib too, so that its ratio bounds the canned queries' ratios
    engine_alone = next(line for line in table.stdout.splitlines() if line.startswith("| the engine alone |"))
    assert "rdflib / Oxigraph" in engine_alone
    assert any(line.startswith("| one pattern, counted | ") and " | x" in line for line in table.stdout.splitlines())
    from exitkg.sparql.queries import catalogue

    assert all(f"`{name}`" in table.stdout for name in catalogue())
    # the link part: the targets beside the figures, and a verdict for the whole command and each cohort query
    assert "| target at 258,000 rows | < 30 |" in table.stdout
    assert "`exitkg link`" in table.stdout and "(target < 30 s: " in table.stdout
    cohort = [q for q in catalogue() if q.startswith("cohort-exit-factors")]
    assert len(cohort) >= 2
    for qid in cohort:
        assert any(line.startswith(f"`{qid}") and "(target < 5 s: " in line for line in table.stdout.splitlines()), qid


def test_the_benchmark_refuses_an_unknown_part():
    proc = subprocess.run([sys.executable, str(BENCH), "--parts", "startup,nonsense"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "unknown part(s) nonsense" in proc.stderr


def test_the_generated_cases_are_the_synthetic_datasets_shape(tmp_path):
    """The link part's rows: the 27 columns of the 2024 synthetic dataset, every cell a code the
    packaged codebook documents (or NULL), the same file for the same seed."""
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    import csv

    import scaled
    from exitkg.linking.ctdc import age_band, country_alpha2, load_codebook, normalise

    columns = scaled.synthetic_columns()
    assert len(columns) == 27
    documented = {v.name: v for v in load_codebook() if v.dataset == "synthetic"}
    path = scaled.write_cases(tmp_path / "a.csv", 400)
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == [c["variable"] for c in columns]
    assert len(rows) == 401
    seen_null = set()
    for row in rows[1:]:
        for name, cell in zip(rows[0], row, strict=False):
            v = documented[name]
            if cell in v.missing:
                seen_null.add(name)
            elif v.kind == "country":
                assert len(cell) == 3 and country_alpha2(cell), (name, cell)
            elif v.kind == "year":
                assert scaled.YEARS[0] <= int(cell) <= scaled.YEARS[1]
            elif v.kind == "age-band":
                assert age_band(cell) and normalise(cell) in {normalise(c) for c in v.codes}
            else:
                assert cell in v.codes, (name, cell)
    assert seen_null == set(rows[0])            # the missing code occurs in every column
    assert scaled.write_cases(tmp_path / "b.csv", 400).read_bytes() == path.read_bytes()
    assert scaled.FULL_SIZE == 258_000


def test_the_tree_keeps_exactly_the_runs_the_readme_cites_by_file():
    """One file per part of the benchmark, the newest run its tables come from; the README names
    older runs by letter, in git history, never as a file of the tree."""
    cited = set(re.findall(r"\b(\d{4}-\d\d-\d\d-[a-z]\.json)", README))
    kept = {p.name for p in RESULTS.glob("*.json")}
    assert cited == kept, f"cited but not in the tree: {sorted(cited - kept)}; in the tree but not cited: {sorted(kept - cited)}"
    assert "`git log --all -- benchmarks/results/`" in README  # where the older runs are
    parts = [set(json.loads((RESULTS / name).read_text(encoding="utf-8"))) for name in kept]
    for part in ("startup", "validate", "link", "load", "queries", "reason"):
        assert any(part in keys for keys in parts), f"no run of the part {part} is kept"


def test_every_recorded_run_still_renders():
    """benchmarks/README.md cites runs by file; each must still print its tables, whatever the
    form of its figures (the link part's changed on 2026-12-07)."""
    runs = sorted(RESULTS.glob("*.json"))
    assert runs
    for run in runs:
        table = subprocess.run([sys.executable, str(BENCH), "--table", str(run)], capture_output=True, text=True)
        assert table.returncode == 0, (run.name, table.stderr[-1000:])
        assert table.stdout.strip(), run.name
