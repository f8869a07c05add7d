"""The benchmark: CPU seconds and peak memory of exitkg's costly steps, at growing sizes, each
paired in the same run with the plain library it builds on, and how each cost grows.

    python benchmarks/bench.py                 # every part, at the sizes of benchmarks/README.md
    python benchmarks/bench.py --quick         # small sizes: a check that every part runs
    python benchmarks/bench.py --parts link,queries --out results.json
    python benchmarks/bench.py --table results.json [more.json ...]   # the figures as Markdown tables

Every measurement runs in a child process of its own; CPU is user + system seconds and memory the
peak resident set of that process, as the kernel accounts them when it ends (``os.wait4``). Within
a child, a step is run once untimed (warm) and then timed ``--repeat`` times (median). The
queries part frees the previous answer and collects garbage before each timed run, on both
engines, so that no query's time holds the freeing of its predecessor's rows. exitkg's
modules are compiled to bytecode once before the first child, and the children may use and write
bytecode whatever ``PYTHONDONTWRITEBYTECODE`` says, as an installed package does: compiling the
sources again in every child would be a cost of the setting, not of exitkg.

Parts:

* ``link``: ``exitkg link`` as a whole process (wall, CPU, peak memory) on rows of the CTDC Global
  Synthetic Dataset's shape generated from the packaged codebook (``scaled.py cases``), up to the
  dataset's full size (258,000 rows), and every cohort query over the linked cases once loaded with
  the packaged graph, against the targets (link < 30 s and < 1 GiB, each cohort query < 5 s).
* ``load``: ``exitkg.load`` of the linked cases against a raw ``pyoxigraph`` bulk load of the same
  file.
* ``queries``: every canned query, on Oxigraph through exitkg and on rdflib's own engine, on the
  scaled evidence graph (``scaled.py evidence``); rdflib's run of a query stops at ``--rdflib-timeout``.
  Both engines also run "the engine alone": five queries as plain as can be (one triple pattern,
  counted, with a look-up per row, ordered, grouped), the floor of what a query costs on each.
* ``validate``: ``exitkg.validate`` against ``pyshacl.validate`` on a plain rdflib graph, same data
  and shapes.
* ``rudof``: rudof (``pip install pyrudof``, not a dependency of exitkg; skipped without it) against
  ``exitkg.validate``, load and validation, on the packaged graph and on scaled evidence merged with
  the ontology; and whether both give the same results on every shape's invalid case.
* ``reason``: ``exitkg reason`` (HermiT) on the packaged graph; the OWL 2 RL classification on
  scaled evidence of about 100, 1,000 and 10,000 factors (K copies over K factor variants).
* ``startup``: ``exitkg --help`` and ``exitkg report`` as whole commands.

The slope of a series is the exponent b of cost = a * size^b, fitted by least squares on the logs
(1 is linear, 2 quadratic).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
PY = sys.executable


def child(args: list[str], *, stdout: bool = False, timeout: float | None = None, cwd=None, env=None) -> dict:
    """Run a command; its CPU seconds, peak memory (MiB), wall seconds and (if asked) its output.
    With *timeout*, a command still running after that many seconds is killed, and the result
    says ``timed_out``."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(args, cwd=cwd or REPO, stdout=out, stderr=err, env=env or CHILD_ENV)
        timer = threading.Timer(timeout, proc.kill) if timeout else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        if timer:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        text, error = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    if timeout and proc.returncode == -9 and wall >= timeout:
        return {"timed_out": True, "cpu": usage.ru_utime + usage.ru_stime, "peak_mib": usage.ru_maxrss / 1024,
                "wall": wall}
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args))} exited {proc.returncode}: {error.strip()[-500:]}")
    result = {"cpu": usage.ru_utime + usage.ru_stime, "peak_mib": usage.ru_maxrss / 1024, "wall": wall}
    if stdout:
        result["stdout"] = text
    return result


#: the children's environment: bytecode used and written, as for an installed package
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def compile_exitkg() -> None:
    """Compile exitkg's modules to bytecode (``__pycache__``), as installing it does."""
    import exitkg

    subprocess.run([PY, "-m", "compileall", "-q", str(Path(exitkg.__file__).parent)], check=True, env=CHILD_ENV,
                   stdout=subprocess.DEVNULL)


def in_child(code: str, *args, timeout: float | None = None) -> dict:
    """Run Python *code* in a child (it prints one JSON object last); merge its JSON into the usage."""
    run = child([PY, "-c", code, *map(str, args)], stdout=True, timeout=timeout)
    if run.get("timed_out"):
        return run
    run.update(json.loads(run.pop("stdout").strip().splitlines()[-1]))
    return run


def slope(points: list[tuple[float, float]]) -> float | None:
    """b of cost = a * size^b, least squares on the logs; None with fewer than two usable points."""
    pts = [(math.log(s), math.log(c)) for s, c in points if s > 0 and c and c > 0]
    if len(pts) < 2:
        return None
    mx, my = statistics.fmean(x for x, _ in pts), statistics.fmean(y for _, y in pts)
    den = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / den if den else None


# --------------------------------------------------------------------------- #
# Parts
# --------------------------------------------------------------------------- #

COHORT = r"""
import json, sys, time
from exitkg.sparql import queries as Q
from exitkg.graph.local import load
t, w = time.process_time(), time.perf_counter()
g = load(data=[sys.argv[1]])
out = {"load_cpu": time.process_time() - t, "load_wall": time.perf_counter() - w, "triples": len(g), "queries": {}}
for qid in sorted(Q.catalogue()):
    if not qid.startswith("cohort-exit-factors"):
        continue
    q = Q.catalogue()[qid]
    for values in (q.examples or [{}]):  # every example: a stratified query split by each attribute
        Q.run(q, g, values)
        cpu, wall = [], []
        for _ in range(int(sys.argv[2])):
            rows = None
            t, w = time.process_time(), time.perf_counter()
            rows = Q.run(q, g, values).rows
            cpu.append(time.process_time() - t); wall.append(time.perf_counter() - w)
        key = " ".join([qid] + [f"{k}={v}" for k, v in values.items()])
        out["queries"][key] = {"cpu": sorted(cpu)[len(cpu) // 2], "wall": sorted(wall)[len(wall) // 2],
                               "rows": len(rows), "values": values}
print(json.dumps(out))
"""

#: the targets of the link part, at the synthetic dataset's full size: the whole `exitkg link`
#: process (wall seconds, peak resident memory) and each cohort query (wall seconds, graph loaded)
LINK_TARGETS = {"link_wall": 30.0, "link_peak_mib": 1024.0, "query_wall": 5.0}


def part_link(sizes, tmp: Path, repeat: int) -> dict:
    """``exitkg link`` as a whole process on synthetic-dataset rows generated from the packaged
    codebook, then every cohort query over the linked cases loaded with the packaged graph."""
    sys.path.insert(0, str(HERE))
    from scaled import FULL_SIZE, synthetic_columns, write_cases

    rows = []
    for n in sizes:
        cases = write_cases(tmp / f"cases-{n}.csv", n)
        out = tmp / f"linked-{n}.nt"
        load_before = os.getloadavg()[0]
        runs = [child([PY, "-m", "exitkg", "link", cases, "--format", "nt", "--out", out]) for _ in range(repeat)]
        load_after = os.getloadavg()[0]
        cohort = in_child(COHORT, out, repeat)
        rows.append({"rows": n, "columns": len(synthetic_columns()), "bytes": cases.stat().st_size,
                     "cpu": statistics.median(r["cpu"] for r in runs), "wall": statistics.median(r["wall"] for r in runs),
                     "peak_mib": max(r["peak_mib"] for r in runs), "triples": cohort["triples"],
                     "load_cpu": cohort["load_cpu"], "load_wall": cohort["load_wall"],
                     "cohort_peak_mib": cohort["peak_mib"], "queries": cohort["queries"],
                     "output_bytes": out.stat().st_size, "load_average": [load_before, load_after]})
        r = rows[-1]
        print(f"link {n:>8} rows: {r['wall']:.2f} s wall, {r['cpu']:.2f} s CPU, {r['peak_mib']:.0f} MiB; " +
              ", ".join(f"{qid} {v['wall']:.2f} s" for qid, v in r["queries"].items()) +
              f" after a load of {r['load_wall']:.1f} s", flush=True)
    ids = list(rows[0]["queries"]) if rows else []
    return {"series": rows, "full_size": FULL_SIZE, "targets": LINK_TARGETS,
            "slope": slope([(r["rows"], r["cpu"]) for r in rows]),
            "cohort_slopes": {qid: slope([(r["rows"], r["queries"][qid]["cpu"]) for r in rows]) for qid in ids}}


def link_verdict(lk: dict, cpus: int | None = None) -> list[str]:
    """One line per target at the largest size run: measured, target, met or missed by how much."""
    if not lk["series"]:
        return []
    r, t = lk["series"][-1], lk.get("targets", LINK_TARGETS)
    size = (f"the synthetic dataset's full size ({r['rows']:,} rows)" if r["rows"] >= lk.get("full_size", 0)
            else f"{r['rows']:,} rows (below the full size of {lk.get('full_size', 0):,})")

    def judge(value, limit, unit):
        return (f"{value:.2f} {unit} (target < {limit:g} {unit}: met)" if value < limit else
                f"{value:.2f} {unit} (target < {limit:g} {unit}: MISSED by {value - limit:.2f} {unit})")

    lines = [f"At {size}: `exitkg link` {judge(r['wall'], t['link_wall'], 's')} wall "
             f"({r['cpu']:.2f} s CPU; machine load average {r['load_average'][0]:.1f} before, "
             f"{r['load_average'][1]:.1f} after, on {cpus or '?'} CPUs), "
             f"peak memory {judge(r['peak_mib'], t['link_peak_mib'], 'MiB')}; "
             f"{r['output_bytes'] / 2 ** 20:,.0f} MiB of N-Triples written."]
    for qid, v in r["queries"].items():
        lines.append(f"`{qid}` over the {r['triples']:,} triples loaded: {judge(v['wall'], t['query_wall'], 's')} "
                     f"wall ({v['cpu']:.2f} s CPU), {v['rows']} rows.")
    return lines


LOAD_EXITKG = r"""
import json, sys
from exitkg.graph.local import load
g = load(only=[sys.argv[1]], ontology=False)
print(json.dumps({"triples": len(g)}))
"""
LOAD_RAW = r"""
import json, sys
import pyoxigraph as ox
store = ox.Store()
store.bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES)
print(json.dumps({"triples": len(store)}))
"""


def part_load(sizes, tmp: Path, repeat: int, evidence_sizes=()) -> dict:
    """``exitkg.load`` against a raw bulk load of the same N-Triples file, paired (one after the
    other, *repeat* times): the linked cases at *sizes* rows, then the scaled evidence (typed
    literals, language tags) at *evidence_sizes* copies."""
    sys.path.insert(0, str(HERE))
    from scaled import write_cases, write_evidence

    rows = []
    for kind, n in [("cases", n) for n in sizes] + [("evidence", k) for k in evidence_sizes]:
        path = tmp / (f"linked-{n}.nt" if kind == "cases" else f"evidence-{n}.nt")
        if kind == "evidence" and not path.exists():
            write_evidence(path, n)
        elif not path.exists():
            child([PY, "-m", "exitkg", "link", write_cases(tmp / f"cases-{n}.csv", n), "--format", "nt",
                   "--out", path])
        pairs = [(in_child(LOAD_EXITKG, path), in_child(LOAD_RAW, path)) for _ in range(repeat)]
        ours, raw = [p[0] for p in pairs], [p[1] for p in pairs]
        rows.append({"kind": kind, "rows": n, "triples": raw[0]["triples"],
                     "cpu": statistics.median(r["cpu"] for r in ours), "raw_cpu": statistics.median(r["cpu"] for r in raw),
                     "cpu_ratio": statistics.median(a["cpu"] / b["cpu"] for a, b in pairs),
                     "peak_mib": max(r["peak_mib"] for r in ours), "raw_peak_mib": max(r["peak_mib"] for r in raw),
                     "memory_ratio": statistics.median(a["peak_mib"] / b["peak_mib"] for a, b in pairs)})
        r = rows[-1]
        print(f"load {kind} {r['triples']:>9} triples: exitkg {r['cpu']:.2f} s {r['peak_mib']:.0f} MiB, raw bulk load "
              f"{r['raw_cpu']:.2f} s {r['raw_peak_mib']:.0f} MiB: x{r['cpu_ratio']:.1f} CPU, x{r['memory_ratio']:.1f} memory",
              flush=True)
    return {"series": rows, "slope": slope([(r["triples"], r["cpu"]) for r in rows if r["kind"] == "cases"])}


#: the targets of the cohort part, for the whole command at the synthetic dataset's full size
COHORT_TARGETS = {"cpu": 30.0, "peak_mib": 1024.0}


def part_cohort(sizes, tmp: Path) -> dict:
    """``exitkg query cohort-exit-factors --data LINKED`` as a whole process (load and query: CPU,
    wall, peak memory) over the linked synthetic rows; then with ``--store DIR``: the first run,
    which builds the store, and a second, which opens it."""
    sys.path.insert(0, str(HERE))
    from scaled import write_cases

    rows = []
    for n in sizes:
        path = tmp / f"linked-{n}.nt"
        if not path.exists():
            child([PY, "-m", "exitkg", "link", write_cases(tmp / f"cases-{n}.csv", n), "--format", "nt",
                   "--out", path])
        command = [PY, "-m", "exitkg", "query", "cohort-exit-factors", "--data", path, "--format", "csv"]
        store = tmp / f"store-{n}"
        runs = {"memory": child(command, stdout=True), "store, first run": child([*command, "--store", store], stdout=True),
                "store, reopened": child([*command, "--store", store], stdout=True)}
        answers = {run.pop("stdout") for run in runs.values()}
        rows.append({"rows": n, "runs": runs, "same_rows": len(answers) == 1,
                     "answer_rows": len(next(iter(answers)).splitlines()) - 1})
        print(f"cohort {n:>8} rows: " + ", ".join(f"{k} {v['cpu']:.1f} s CPU {v['peak_mib']:.0f} MiB"
                                                  for k, v in runs.items()), flush=True)
    return {"series": rows, "targets": COHORT_TARGETS}


# The engine alone: queries as plain as can be, whose answers grow with the data as the canned ones
# do, run by both children. "counted" returns one row: no answer row reaches Python.
ENGINE_ALONE = r"""
EKG = "https://w3id.org/exitkg/ontology#"
BASELINE = {
    "one pattern": f"SELECT ?f WHERE {{ ?f a <{EKG}Finding> }}",
    "one pattern, counted": f"SELECT (COUNT(*) AS ?n) WHERE {{ ?f a <{EKG}Finding> }}",
    "one pattern, a look-up per row": f"SELECT ?f ?q WHERE {{ ?f a <{EKG}Finding> ; <{EKG}quote> ?q }}",
    "one pattern, ordered": f"SELECT ?f WHERE {{ ?f a <{EKG}Finding> }} ORDER BY ?f",
    "one pattern, grouped": f"SELECT ?s (COUNT(*) AS ?n) WHERE {{ ?f <{EKG}fromStudy> ?s }} GROUP BY ?s",
}
"""
QUERIES_OXIGRAPH = ENGINE_ALONE + r"""
import gc, json, sys, time
from exitkg.sparql import queries as Q
from exitkg.graph.local import load
g = load(only=[sys.argv[1]])
out = {"triples": len(g), "queries": {}}
for q in Q.catalogue().values():
    values = q.examples[0] if q.examples else {}
    Q.run(q, g, values)
    times = []
    for _ in range(int(sys.argv[2])):
        rows = None; gc.collect()  # the previous answer freed, and collected, before the clock starts
        t = time.process_time(); rows = Q.run(q, g, values).rows; times.append(time.process_time() - t)
    out["queries"][q.id] = {"cpu": sorted(times)[len(times) // 2], "rows": len(rows)}
out["baseline"] = {}
for name, text in BASELINE.items():
    g.run(text)
    times = []
    for _ in range(int(sys.argv[2])):
        rows = None; gc.collect()
        t = time.process_time(); rows = g.run(text).rows; times.append(time.process_time() - t)
    out["baseline"][name] = {"cpu": sorted(times)[len(times) // 2], "rows": len(rows)}
print(json.dumps(out))
"""
QUERIES_RDFLIB = ENGINE_ALONE + r"""
import gc, json, signal, sys, time
import pyoxigraph as ox
from rdflib import Graph
from exitkg.sparql import queries as Q
from exitkg.graph.local import load
from exitkg.rdf.terms import to_rdflib
g = load(only=[sys.argv[1]])
graph = Graph()
for q in g.triples():
    graph.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
limit = float(sys.argv[2])
class Late(Exception): pass
def late(*_): raise Late()
signal.signal(signal.SIGALRM, late)
out = {"queries": {}}
for q in Q.catalogue().values():
    bindings = {k: to_rdflib(v) for k, v in Q.bind(q, q.examples[0] if q.examples else {}).items()}
    try:
        signal.setitimer(signal.ITIMER_REAL, limit)
        list(graph.query(q.text, initBindings=bindings))          # warm
        rows = None; gc.collect()
        t = time.process_time(); rows = list(graph.query(q.text, initBindings=bindings)); cpu = time.process_time() - t
        signal.setitimer(signal.ITIMER_REAL, 0)
        out["queries"][q.id] = {"cpu": cpu, "rows": len(rows)}
    except Late:
        out["queries"][q.id] = {"cpu": None, "rows": None}
    print(q.id, out["queries"][q.id], file=sys.stderr, flush=True)
out["baseline"] = {}
for name, text in BASELINE.items():
    try:
        signal.setitimer(signal.ITIMER_REAL, limit)
        list(graph.query(text))          # warm
        rows = None; gc.collect()
        t = time.process_time(); rows = list(graph.query(text)); cpu = time.process_time() - t
        signal.setitimer(signal.ITIMER_REAL, 0)
        out["baseline"][name] = {"cpu": cpu, "rows": len(rows)}
    except Late:
        out["baseline"][name] = {"cpu": None, "rows": None}
print(json.dumps(out))
"""


def part_queries(sizes, tmp: Path, repeat: int, rdflib_sizes, rdflib_timeout: float) -> dict:
    sys.path.insert(0, str(HERE))
    from scaled import write_evidence

    by_size = []
    for k in sizes:
        path = write_evidence(tmp / f"evidence-{k}.nt", k)
        ours = in_child(QUERIES_OXIGRAPH, path, repeat)
        theirs = in_child(QUERIES_RDFLIB, path, rdflib_timeout) if k in rdflib_sizes else {}
        paired = {"queries": theirs.get("queries", {}), "baseline": theirs.get("baseline", {})}
        by_size.append({"copies": k, "triples": ours["triples"], **{
            kind: {key: {**v, "rdflib_cpu": paired[kind].get(key, {}).get("cpu"), "rdflib_run": key in paired[kind]}
                   for key, v in ours[kind].items()} for kind in ("queries", "baseline")}})
        slowest = max(ours["queries"].items(), key=lambda kv: kv[1]["cpu"])
        print(f"queries on {ours['triples']:>9} triples: slowest {slowest[0]} {slowest[1]['cpu']:.3f} s", flush=True)
    ids = list(by_size[0]["queries"])
    slopes = {qid: slope([(s["triples"], s["queries"][qid]["cpu"]) for s in by_size]) for qid in ids}
    baseline = {name: slope([(s["triples"], s["baseline"][name]["cpu"]) for s in by_size])
                for name in by_size[0]["baseline"]}
    return {"series": by_size, "slopes": slopes, "baseline_slopes": baseline}


VALIDATE = r"""
import json, sys, time
import pyshacl
from exitkg.graph.local import load
from exitkg.checks.validate import shapes_graph, validate
g = load()
data, shapes = g.to_rdflib(), shapes_graph()
validate(g)
out = {}
t = time.process_time(); ours = validate(g); out["exitkg_cpu"] = time.process_time() - t
t = time.process_time()
conforms, _, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True)
out["pyshacl_cpu"] = time.process_time() - t
out["same_verdict"] = bool(conforms) == ours.conforms
print(json.dumps(out))
"""


LINKED_VALIDATE = r"""
import json, sys, time
from exitkg.graph.local import load
from exitkg.checks.validate import validate
t = time.process_time()
g = load(data=[sys.argv[1]])
loaded = time.process_time()
result = validate(g)
done = time.process_time()
print(json.dumps({"triples": len(g), "load_cpu": loaded - t, "validate_cpu": done - loaded,
                  "conforms": result.conforms, "results": len(result.results), "focus_nodes": result.focus_nodes}))
"""

#: the targets of validation at scale: CPU seconds (load and validation) and peak memory
VALIDATE_TARGETS = {"million_cpu": 60.0, "million_peak_mib": 2048.0, "linked_cpu": 120.0}


def part_validate_linked(rows: int, tmp: Path) -> dict:
    """``exitkg link`` of *rows* synthetic-dataset rows, then the packaged graph with what link
    wrote loaded and validated in one child (once: at the full size this is the costly run)."""
    sys.path.insert(0, str(HERE))
    from scaled import write_cases

    cases = write_cases(tmp / f"cases-{rows}.csv", rows)
    out = tmp / f"linked-{rows}.nt"
    child([PY, "-m", "exitkg", "link", cases, "--format", "nt", "--out", out])
    run = in_child(LINKED_VALIDATE, out)
    print(f"validate, {rows:,} linked rows ({run['triples']:,} triples with the packaged graph): "
          f"{run['cpu']:.1f} s CPU in all (load {run['load_cpu']:.1f} s, validation {run['validate_cpu']:.1f} s), "
          f"{run['peak_mib']:.0f} MiB, {run['results']} results", flush=True)
    return {"rows": rows, "triples": run["triples"], "cpu": run["cpu"], "wall": run["wall"],
            "load_cpu": run["load_cpu"], "validate_cpu": run["validate_cpu"], "peak_mib": run["peak_mib"],
            "results": run["results"], "focus_nodes": run["focus_nodes"], "conforms": run["conforms"]}


def part_validate(repeat: int) -> dict:
    runs = [in_child(VALIDATE) for _ in range(repeat)]
    result = {"exitkg_cpu": statistics.median(r["exitkg_cpu"] for r in runs),
              "pyshacl_cpu": statistics.median(r["pyshacl_cpu"] for r in runs),
              "ratio": statistics.median(r["pyshacl_cpu"] / r["exitkg_cpu"] for r in runs),
              "same_verdict": all(r["same_verdict"] for r in runs)}
    print(f"validate: exitkg {result['exitkg_cpu']:.2f} s, pySHACL on a plain graph {result['pyshacl_cpu']:.2f} s "
          f"(x{result['ratio']:.1f})", flush=True)
    return result


RL = r"""
import json, sys, time
from exitkg.graph.local import load
from exitkg.checks.reason import classify_rl
g = load(only=[sys.argv[1]])
factors = len(g.run("PREFIX ekg: <https://w3id.org/exitkg/ontology#> SELECT DISTINCT ?f WHERE { ?a ekg:aboutFactor ?f }").rows)
t = time.process_time(); result = classify_rl(g); cpu = time.process_time() - t
out = {"factors": factors, "classify_cpu": cpu, "controversial": len(result.controversial),
       "module_triples": result.triples}
if len(sys.argv) > 2:  # the same module through owlrl (pure Python OWL 2 RL), for comparison
    import owlrl, rdflib
    from exitkg.checks.reason import rl_module
    from exitkg.rdf.terms import to_rdflib
    t = time.process_time()
    module = rdflib.Graph()
    for x in rl_module(g):
        module.add((to_rdflib(x.subject), to_rdflib(x.predicate), to_rdflib(x.object)))
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(module)
    out["owlrl_cpu"] = time.process_time() - t
    found = sorted(str(s) for s in module.subjects(rdflib.RDF.type,
                   rdflib.URIRef("https://w3id.org/exitkg/ontology#ControversialByEvidence")))
    out["owlrl_same"] = found == result.controversial
print(json.dumps(out))
"""


def part_reason(sizes, tmp: Path, repeat: int, against: str | None = None) -> dict:
    """``exitkg reason`` (HermiT) on the packaged graph as a whole command; with *against* (another
    checkout of exitkg), the same command of that checkout too, each run right after ours (paired).
    Then the OWL 2 RL classification on scaled evidence."""
    sys.path.insert(0, str(HERE))
    from scaled import write_evidence

    runs, theirs = [], []
    for _ in range(repeat):
        runs.append(child([PY, "-m", "exitkg", "reason", "--timeout", "600"]))
        if against:
            theirs.append(child([PY, "-m", "exitkg", "reason", "--timeout", "600"], cwd=against,
                                env={**CHILD_ENV, "PYTHONPATH": against}))
    hermit = {"cpu": statistics.median(r["cpu"] for r in runs), "wall": statistics.median(r["wall"] for r in runs),
              "peak_mib": max(r["peak_mib"] for r in runs), "runs": [r["cpu"] for r in runs]}
    if against:
        hermit["against"] = {"checkout": against, "cpu": statistics.median(r["cpu"] for r in theirs),
                             "runs": [r["cpu"] for r in theirs],
                             "ratio": statistics.median(a["cpu"] / b["cpu"] for a, b in zip(runs, theirs))}
    print(f"reason, HermiT, packaged graph: {hermit['cpu']:.1f} s CPU (whole command, Java included), "
          f"{hermit['wall']:.1f} s wall" + (f"; {against}: {hermit['against']['cpu']:.1f} s CPU" if against else ""),
          flush=True)
    rl = []
    for k in sizes:
        path = write_evidence(tmp / f"evidence-rl-{k}.nt", k, variants=k)
        compare = ("owlrl",) if k <= 30 else ()
        got = [in_child(RL, path, *compare) for _ in range(repeat)]
        rl.append({"copies": k, "factors": got[0]["factors"], "module_triples": got[0]["module_triples"],
                   "controversial": got[0]["controversial"],
                   "classify_cpu": statistics.median(r["classify_cpu"] for r in got),
                   "peak_mib": max(r["peak_mib"] for r in got)})
        if compare:
            rl[-1]["owlrl_cpu"] = statistics.median(r["owlrl_cpu"] for r in got)
            rl[-1]["owlrl_same"] = all(r["owlrl_same"] for r in got)
        print(f"reason, OWL 2 RL, {rl[-1]['factors']} factors: {rl[-1]['classify_cpu']:.2f} s CPU "
              f"({rl[-1]['controversial']} controversial)", flush=True)
    return {"hermit_packaged": hermit, "rl": rl, "rl_slope": slope([(r["factors"], r["classify_cpu"]) for r in rl])}


def part_startup(repeat: int) -> dict:
    result = {}
    for name, args in (("help", ["--help"]), ("report", ["report"])):
        runs = [child([PY, "-m", "exitkg", *args]) for _ in range(repeat)]
        result[name] = {"cpu": statistics.median(r["cpu"] for r in runs), "peak_mib": max(r["peak_mib"] for r in runs)}
        print(f"exitkg {' '.join(args)}: {result[name]['cpu']:.3f} s CPU", flush=True)
    return result


MERGED = r"""
import json, sys
import pyoxigraph as ox
from exitkg.graph.local import load
g = load(only=[sys.argv[1]] if sys.argv[1] != "-" else None)
with open(sys.argv[2], "wb") as out:
    ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in g.triples()), out, ox.RdfFormat.N_TRIPLES)
print(json.dumps({"triples": len(g)}))
"""

RUDOF = r"""
import json, sys, time
import pyrudof
r = pyrudof.Rudof(pyrudof.RudofConfig())
t = time.process_time()
r.read_data(sys.argv[1], format=pyrudof.RDFFormat.NTriples)
r.read_shacl(sys.argv[2])
loaded = time.process_time()
report = r.validate_shacl()
done = time.process_time()
print(json.dumps({"load_cpu": loaded - t, "validate_cpu": done - loaded, "conforms": report.conforms,
                  "results": len(report)}))
"""

EXITKG_VALIDATE = r"""
import json, sys, time
from exitkg.graph.local import load
from exitkg.checks.validate import validate
t = time.process_time()
g = load(only=[sys.argv[1]], ontology=False)
loaded = time.process_time()
result = validate(g)
done = time.process_time()
print(json.dumps({"load_cpu": loaded - t, "validate_cpu": done - loaded, "conforms": result.conforms,
                  "results": len(result.results)}))
"""

RUDOF_CASES = r"""
import json, sys, tempfile
from pathlib import Path
import pyoxigraph as ox, pyrudof, rdflib
sys.path.insert(0, sys.argv[1])
import shape_cases
from exitkg.graph.local import load
from exitkg.checks.validate import validate
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
shapes = sys.argv[2]
agree, differ = 0, []
with tempfile.TemporaryDirectory() as folder:
    for name in sorted(shape_cases.SPECS):
        case = Path(folder) / "case.ttl"
        case.write_text(shape_cases.build(name, "invalid"), encoding="utf-8")
        g = load(only=[case])
        ours = {(r.focus, r.component) for r in validate(g).results}
        nt = Path(folder) / "case.nt"
        with open(nt, "wb") as out:
            ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in g.triples()), out, ox.RdfFormat.N_TRIPLES)
        r = pyrudof.Rudof(pyrudof.RudofConfig())
        r.read_data(str(nt), format=pyrudof.RDFFormat.NTriples)
        r.read_shacl(shapes)
        r.validate_shacl()
        report = rdflib.Graph().parse(data=r.serialize_shacl_validation_results(
            format=pyrudof.ResultShaclValidationFormat.Turtle), format="turtle")
        theirs = {(str(report.value(n, SH.focusNode)), str(report.value(n, SH.sourceConstraintComponent)))
                  for n in report.subjects(rdflib.RDF.type, SH.ValidationResult)}
        if ours == theirs:
            agree += 1
        else:
            differ.append(name)
print(json.dumps({"cases": len(shape_cases.SPECS), "agree": agree, "differ": differ}))
"""


def part_rudof(sizes, tmp: Path, repeat: int, timeout: float) -> dict:
    """rudof (pyrudof), measured beside exitkg.validate; skipped when pyrudof is not installed."""
    try:
        import pyrudof  # noqa: F401
        rudof = True
    except ImportError:
        print("rudof: skipped, pyrudof is not installed (pip install pyrudof); exitkg alone", flush=True)
        rudof = False
    sys.path.insert(0, str(HERE))
    from scaled import write_evidence

    shapes = REPO / "shapes" / "exit-factors-shapes.ttl"
    cases = in_child(RUDOF_CASES, REPO / "tests", shapes) if rudof else None
    if cases is not None:
        print(f"rudof: the same (focus node, constraint component) results as exitkg on {cases['agree']} of "
              f"{cases['cases']} shapes' invalid cases", flush=True)
    series = []
    for k in [0] + list(sizes):
        source = "-" if k == 0 else write_evidence(tmp / f"evidence-rudof-{k}.nt", k)
        merged = tmp / f"merged-{k}.nt"
        triples = in_child(MERGED, source, merged)["triples"]
        row = {"copies": k, "triples": triples}
        for name, code in (("rudof", RUDOF), ("exitkg", EXITKG_VALIDATE))[0 if rudof else 1:]:
            runs = [in_child(code, merged, shapes, timeout=timeout) for _ in range(1 if k else repeat)]
            if any(r.get("timed_out") for r in runs):
                row[name] = {"timed_out": True, "peak_mib": max(r["peak_mib"] for r in runs)}
                print(f"rudof part, {name}, {triples:,} triples: stopped after {timeout:.0f} s", flush=True)
                continue
            row[name] = {"cpu": statistics.median(r["load_cpu"] + r["validate_cpu"] for r in runs),
                         "validate_cpu": statistics.median(r["validate_cpu"] for r in runs),
                         "peak_mib": max(r["peak_mib"] for r in runs),
                         "conforms": runs[0]["conforms"], "results": runs[0]["results"]}
            print(f"rudof part, {name}, {triples:,} triples: {row[name]['cpu']:.2f} s CPU (load and validate), "
                  f"{row[name]['peak_mib']:.0f} MiB, {row[name]['results']} results", flush=True)
        series.append(row)
    result = {"cases": cases, "series": series}
    if not rudof:
        result["skipped"] = "pyrudof is not installed"
    return result


SIZES = {
    "full": {"link": [10_000, 100_000, 258_000], "load": [10_000, 100_000, 200_000], "load_evidence": [120, 360],
             "cohort": [258_000], "queries": [30, 100, 300], "rdflib": [30], "reason": [3, 30, 300],
             "rudof": [3, 10, 30]},
    "quick": {"link": [300, 1_000], "load": [1_000, 5_000], "load_evidence": [3], "cohort": [1_000],
              "queries": [3, 10], "rdflib": [3], "reason": [3], "rudof": [1]},
}


def lk_earlier(lk: dict) -> bool:
    """Whether the link part's figures are of the earlier form (CPU only, one cohort query)."""
    return bool(lk["series"]) and "queries" not in lk["series"][0]


def markdown(results: dict) -> str:
    """The figures of a run (or of several runs merged) as the tables of benchmarks/README.md."""
    out = []

    def fmt(x, digits=2):
        return "-" if x is None else f"{x:.{digits}f}"

    if "startup" in results:
        st = results["startup"]
        out += ["| whole command | CPU s | peak MiB |", "|---|---:|---:|"]
        out += [f"| `exitkg {'--help' if k == 'help' else k}` | {fmt(v['cpu'], 3)} | {v['peak_mib']:.0f} |"
                for k, v in st.items()]
        out.append("")
    if "validate" in results:
        v = results["validate"]
        out += ["| validation of the packaged graph | CPU s |", "|---|---:|",
                f"| `exitkg.validate` | {fmt(v['exitkg_cpu'])} |",
                f"| `pyshacl.validate` on a plain rdflib graph (as before) | {fmt(v['pyshacl_cpu'])} |",
                f"| ratio (paired) | x{v['ratio']:.1f} |", ""]
        if "linked" in v:
            lv = v["linked"]
            out += ["| validation of what `exitkg link` writes, with the packaged graph | triples | CPU s (load and "
                    "validation) | load CPU s | validation CPU s | peak MiB | results |",
                    "|---|---:|---:|---:|---:|---:|---:|",
                    f"| {lv['rows']:,} synthetic-dataset rows | {lv['triples']:,} | {fmt(lv['cpu'], 1)} | "
                    f"{fmt(lv['load_cpu'], 1)} | {fmt(lv['validate_cpu'], 1)} | {lv['peak_mib']:.0f} | "
                    f"{lv['results']} |",
                    ""]
    if "rudof" in results and "series" in results["rudof"]:
        ru = results["rudof"]
        c = ru["cases"]

        def cell(run):
            if run.get("timed_out"):
                return "stopped", f"{run['peak_mib']:.0f}", "-"
            return fmt(run["cpu"]), f"{run['peak_mib']:.0f}", str(run["results"])

        if c is None:
            out += ["rudof did not run (pyrudof is not installed): exitkg alone.", ""]
        else:
            out += [f"rudof agrees with exitkg (focus node, constraint component) on {c['agree']} of {c['cases']} "
                    "shapes' invalid cases" + (f"; not on {', '.join(c['differ'])}" if c["differ"] else "") + ".", ""]
        out += ["| triples (with the ontology) | rudof CPU s | rudof MiB | rudof results | exitkg CPU s | exitkg MiB | "
                "exitkg results |", "|---:|---:|---:|---:|---:|---:|---:|"]
        for r in ru["series"]:
            label = f"{r['triples']:,}" + (" (packaged)" if r["copies"] == 0 else "")
            rudof_cells = cell(r["rudof"]) if "rudof" in r else ("-", "-", "-")
            out.append(f"| {label} | " + " | ".join(rudof_cells + cell(r["exitkg"])) + " |")
        out.append("")
    if "link" in results and lk_earlier(results["link"]):  # a run of before 2026-12-07: CPU only, one query
        lk = results["link"]
        out += ["| CTDC-shaped rows | `exitkg link` CPU s | peak MiB | load of the linked cases, CPU s | "
                "cohort query CPU s |", "|---:|---:|---:|---:|---:|"]
        out += [f"| {r['rows']:,} | {fmt(r['cpu'])} | {r['peak_mib']:.0f} | {fmt(r['load_cpu'], 1)} | "
                f"{fmt(r['cohort_query_cpu'])} |" for r in lk["series"]]
        out += [f"| slope | {fmt(lk['slope'])} | | | {fmt(lk['cohort_slope'])} |", ""]
    elif "link" in results:
        lk = results["link"]
        ids = list(lk["series"][0]["queries"]) if lk["series"] else []
        out += ["| synthetic-dataset rows | `exitkg link` wall s | CPU s | peak MiB | triples loaded (with the packaged graph) | load, wall s | load, peak MiB | "
                + " | ".join(f"`{qid}` wall s" for qid in ids) + " |",
                "|---:|---:|---:|---:|---:|---:|---:|" + "---:|" * len(ids)]
        out += [f"| {r['rows']:,} | {fmt(r['wall'])} | {fmt(r['cpu'])} | {r['peak_mib']:.0f} | {r['triples']:,} | "
                f"{fmt(r['load_wall'], 1)} | {r['cohort_peak_mib']:.0f} | " + " | ".join(fmt(r["queries"][q]["wall"]) for q in ids) + " |"
                for r in lk["series"]]
        t = lk.get("targets", LINK_TARGETS)
        out += [f"| target at {lk.get('full_size', 0):,} rows | < {t['link_wall']:g} | | < {t['link_peak_mib']:g} | | | | "
                + " | ".join(f"< {t['query_wall']:g}" for _ in ids) + " |",
                f"| slope (CPU) | | {fmt(lk['slope'])} | | | | | "
                + " | ".join(fmt(lk["cohort_slopes"].get(q)) for q in ids) + " |", ""]
        out += link_verdict(lk, results.get("cpus")) + [""]
    if "load" in results:
        ld = results["load"]
        out += ["| file | triples | `exitkg.load` CPU s | raw bulk load CPU s | CPU ratio | "
                "`exitkg.load` MiB | raw MiB | memory ratio |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
        out += [f"| {'linked cases' if r.get('kind', 'cases') == 'cases' else 'scaled evidence'} | {r['triples']:,} | "
                f"{fmt(r['cpu'])} | {fmt(r['raw_cpu'])} | x{r['cpu_ratio']:.2f} | "
                f"{r['peak_mib']:.0f} | {r['raw_peak_mib']:.0f} | x{r['memory_ratio']:.2f} |" for r in ld["series"]]
        out += [f"| slope (linked cases) | | {fmt(ld['slope'])} | | | | | |", ""]
    if "cohort" in results:
        ch = results["cohort"]
        t = ch.get("targets", COHORT_TARGETS)
        out += ["| `exitkg query cohort-exit-factors --data LINKED` | rows linked | CPU s | wall s | peak MiB |",
                "|---|---:|---:|---:|---:|"]
        for r in ch["series"]:
            out += [f"| {name} | {r['rows']:,} | {fmt(run['cpu'])} | {fmt(run['wall'])} | {run['peak_mib']:.0f} |"
                    for name, run in r["runs"].items()]
        out += [f"| target (whole command) | | < {t['cpu']:g} | | < {t['peak_mib']:g} |", ""]
    if "queries" in results:
        qs = results["queries"]
        sizes = [s["triples"] for s in qs["series"]]
        head = " | ".join(f"{n:,} triples" for n in sizes)
        rd = [s for s in qs["series"] if any(v["rdflib_run"] for v in s["queries"].values())]
        multi = len(sizes) > 1
        tail = " | rows at the largest | slope | slope against rows |" if multi else " |"
        out += [f"| query | {head} | rdflib at {rd[0]['triples']:,} | rdflib / Oxigraph{tail}" if rd else
                f"| query | {head}{tail}",
                "|---|" + "---:|" * (len(sizes) + (2 if rd else 0) + (3 if multi else 0))]
        def beside_rdflib(r):  # rdflib's time and the ratio, for a run where rdflib ran
            theirs = r.get("rdflib_cpu")
            if not r.get("rdflib_run", True):
                return " | - | -"
            ratio = f"x{theirs / r['cpu']:.0f}" if theirs and r["cpu"] else (
                f"> x{results.get('rdflib_timeout', 60) / r['cpu']:.0f} (timed out)" if r["cpu"] else "-")
            return f" | {fmt(theirs, 3) if theirs is not None else 'timed out'} | {ratio}"

        for qid in qs["series"][0]["queries"]:
            cells = [fmt(s["queries"][qid]["cpu"], 4) for s in qs["series"]]
            line = f"| `{qid}` | " + " | ".join(cells)
            if rd:
                line += beside_rdflib(rd[0]["queries"][qid])
            if multi:
                rows = [s["queries"][qid].get("rows") for s in qs["series"]]
                by_rows = (slope([(r, s["queries"][qid]["cpu"]) for r, s in zip(rows, qs["series"])])
                           if all(rows) and len(set(rows)) > 1 else None)
                line += f" | {rows[-1] if rows[-1] is not None else '-'} | {fmt(qs['slopes'][qid])} | {fmt(by_rows)}"
            out.append(line + " |")
        out.append("")
        if "baseline_slopes" in qs:  # the engine alone, for the floor of the slopes and of the ratios
            rd_base = [s for s in rd if any(v.get("rdflib_run") for v in s["baseline"].values())]
            out += [f"| the engine alone | {head} | rdflib at {rd_base[0]['triples']:,} | rdflib / Oxigraph{tail}"
                    if rd_base else f"| the engine alone | {head}{tail}",
                    "|---|" + "---:|" * (len(sizes) + (2 if rd_base else 0) + (3 if multi else 0))]
            for name in qs["series"][0]["baseline"]:
                runs = [s["baseline"][name] for s in qs["series"]]
                line = f"| {name} | " + " | ".join(fmt(r["cpu"], 4) for r in runs)
                if rd_base:
                    line += beside_rdflib(rd_base[0]["baseline"][name])
                if multi:
                    by_rows = slope([(r["rows"], r["cpu"]) for r in runs]) if len({r["rows"] for r in runs}) > 1 else None
                    line += f" | {runs[-1]['rows']} | {fmt(qs['baseline_slopes'][name])} | {fmt(by_rows)}"
                out.append(line + " |")
            out.append("")
    if "reason" in results:
        rs = results["reason"]
        h = rs["hermit_packaged"]
        out += ["| reasoning | factors | CPU s |", "|---|---:|---:|",
                f"| HermiT, `exitkg reason` (whole command, Java included), packaged graph | 33 | {fmt(h['cpu'], 1)} |"]
        if "against" in h:
            out.append(f"| the same command of `{h['against']['checkout']}`, paired (ours / theirs: "
                       f"x{h['against']['ratio']:.2f}) | | {fmt(h['against']['cpu'], 1)} |")
        for r in rs["rl"]:
            out.append(f"| OWL 2 RL classification (`--engine rl`), scaled evidence | {r['factors']:,} | "
                       f"{fmt(r['classify_cpu'])} |")
            if "owlrl_cpu" in r:
                out.append(f"| the same module through owlrl ({'same' if r['owlrl_same'] else 'DIFFERENT'} classes) | "
                           f"{r['factors']:,} | {fmt(r['owlrl_cpu'])} |")
        out += [f"| slope (RL) | | {fmt(rs['rl_slope'])} |", ""]
    return "\n".join(out) + "\n"


PARTS = ("startup", "validate", "rudof", "link", "load", "cohort", "queries", "reason")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", nargs="+", metavar="RESULTS.json",
                    help="print the Markdown tables of these results files (a later file's parts win) and stop")
    ap.add_argument("--quick", action="store_true", help="small sizes, to check that every part runs")
    ap.add_argument("--parts", default=",".join(PARTS), help="comma-separated, of: " + ", ".join(PARTS))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rdflib-timeout", type=float, default=60.0)
    ap.add_argument("--rudof-timeout", type=float, default=900.0,
                    help="stop a validation of the rudof part after this many seconds (default 900)")
    ap.add_argument("--out", help="write every figure as JSON to this file")
    ap.add_argument("--rows", help="the sizes of the link part, in rows (e.g. 258000)")
    ap.add_argument("--reason-against", metavar="CHECKOUT",
                    help="another checkout of exitkg (e.g. a git worktree of an earlier commit) whose `exitkg reason` "
                         "the reason part runs too, paired with this one's")
    ap.add_argument("--copies", help="the evidence sizes of the queries part, in copies (e.g. 300)")
    ap.add_argument("--rdflib-copies", help="the evidence sizes at which rdflib's engine runs too (e.g. 300)")
    ap.add_argument("--validate-copies", help="the evidence sizes of the rudof part, in copies (e.g. 250, "
                    "about a million triples; each size above 30 runs once)")
    ap.add_argument("--linked-rows", type=int, help="with the validate part, also validate this many "
                    "synthetic-dataset rows as `exitkg link` writes them, with the packaged graph (e.g. 258000)")
    args = ap.parse_args()
    if args.table:
        merged: dict = {}
        for name in args.table:
            try:
                merged.update(json.loads(Path(name).read_text(encoding="utf-8")))
            except (OSError, ValueError) as exc:
                ap.error(f"cannot read {name}: {exc}")
        sys.stdout.write(markdown(merged))
        return 0
    unknown = set(args.parts.split(",")) - set(PARTS)
    if unknown:
        ap.error(f"unknown part(s) {', '.join(sorted(unknown))}; the parts are {', '.join(PARTS)}")
    sizes = dict(SIZES["quick" if args.quick else "full"])
    if args.rows:
        sizes["link"] = [int(x) for x in args.rows.split(",")]
    if args.copies:
        sizes["queries"] = [int(x) for x in args.copies.split(",")]
    if args.rdflib_copies:
        sizes["rdflib"] = [int(x) for x in args.rdflib_copies.split(",")]
    if args.validate_copies:
        sizes["rudof"] = [int(x) for x in args.validate_copies.split(",")]
    parts = args.parts.split(",")
    results: dict = {"python": sys.version.split()[0], "cpus": os.cpu_count(), "repeat": args.repeat,
                     "rdflib_timeout": args.rdflib_timeout}
    compile_exitkg()
    with tempfile.TemporaryDirectory(prefix="exitkg-bench-") as folder:
        tmp = Path(folder)
        if "startup" in parts:
            results["startup"] = part_startup(args.repeat)
        if "validate" in parts:
            results["validate"] = part_validate(args.repeat)
            if args.linked_rows:
                results["validate"]["linked"] = part_validate_linked(args.linked_rows, tmp)
        if "rudof" in parts:
            results["rudof"] = part_rudof(sizes["rudof"], tmp, args.repeat, args.rudof_timeout)
        if "link" in parts:
            results["link"] = part_link(sizes["link"], tmp, args.repeat)
        if "load" in parts:
            results["load"] = part_load(sizes["load"], tmp, args.repeat, sizes["load_evidence"])
        if "cohort" in parts:
            results["cohort"] = part_cohort(sizes["cohort"], tmp)
        if "queries" in parts:
            results["queries"] = part_queries(sizes["queries"], tmp, args.repeat, sizes["rdflib"], args.rdflib_timeout)
        if "reason" in parts:
            results["reason"] = part_reason(sizes["reason"], tmp, 1 if args.quick else args.repeat, args.reason_against)
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
