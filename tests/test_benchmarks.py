"""The benchmark runs from a clean checkout: every part at its quick sizes, once, and its tables
render from the figures. (What the figures say is in benchmarks/README.md; no timing is asserted.)"""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import REPO_ROOT

BENCH = REPO_ROOT / "benchmarks" / "bench.py"


def test_every_part_of_the_benchmark_runs_and_renders(tmp_path):
    out = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, str(BENCH), "--quick", "--repeat", "1", "--out", str(out)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads(out.read_text(encoding="utf-8"))
    assert {"startup", "validate", "link", "load", "queries", "reason"} <= set(results)
    table = subprocess.run([sys.executable, str(BENCH), "--table", str(out)], capture_output=True, text=True)
    assert table.returncode == 0, table.stderr
    for heading in ("| whole command |", "| validation of the packaged graph |", "CTDC-shaped rows",
                    "raw bulk load", "| query |", "| the engine alone |", "| reasoning |"):
        assert heading in table.stdout
    # the engine alone is timed on rdflib too, so that its ratio bounds the canned queries' ratios
    engine_alone = next(line for line in table.stdout.splitlines() if line.startswith("| the engine alone |"))
    assert "rdflib / Oxigraph" in engine_alone
    assert any(line.startswith("| one pattern, counted | ") and " | x" in line for line in table.stdout.splitlines())
    from exitkg.queries import catalogue

    assert all(f"`{name}`" in table.stdout for name in catalogue())


def test_the_benchmark_refuses_an_unknown_part():
    proc = subprocess.run([sys.executable, str(BENCH), "--parts", "startup,nonsense"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "unknown part(s) nonsense" in proc.stderr
