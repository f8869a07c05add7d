"""Wall-time benchmark of ``exitkg report`` and of every canned query.

    python benchmarks/bench.py                  # packaged graph, 5 repetitions
    python benchmarks/bench.py --repeat 10
    python benchmarks/bench.py --scale 18 --rdflib   # ~60,000 triples; also time rdflib's engine

Times are medians over the repetitions, in seconds, on whatever machine runs it. ``--scale K``
makes K renamed copies of the packaged data (the ontology once; the description is recomputed) so that the queries run over a
larger graph. ``--rdflib`` also runs each query with rdflib's own SPARQL engine, in a child
process stopped after ``--rdflib-timeout`` seconds, to show why queries run on Oxigraph.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from exitkg import queries as Q  # noqa: E402
from exitkg.engine import LocalEngine  # noqa: E402
from exitkg.describe import describe  # noqa: E402
from exitkg.rdfio import load_ontology, load_packaged_graph  # noqa: E402

ID = "https://w3id.org/exitkg/id/"


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def scaled_graph(k: int):
    from rdflib import URIRef

    graph = load_packaged_graph()
    if k <= 1:
        return graph + describe(graph)  # what the commands query: the graph and its description
    ontology = load_ontology()
    data = graph - ontology
    big = graph
    for i in range(1, k):
        def rename(t):
            return URIRef(f"{t}-copy{i}") if isinstance(t, URIRef) and str(t).startswith(ID) else t
        for s, p, o in data:
            big.add((rename(s), p, rename(o)))
    return big + describe(big)


def _rdflib_worker(path: str, text: str, bindings: dict, queue) -> None:
    from rdflib import Graph

    graph = Graph().parse(path, format="nt")
    start = time.perf_counter()
    rows = list(graph.query(text, initBindings=bindings))
    queue.put((time.perf_counter() - start, len(rows)))


def rdflib_time(graph, query, bindings, timeout: float, tmp: Path):
    path = tmp / "graph.nt"
    if not path.exists():
        graph.serialize(destination=str(path), format="nt", encoding="utf-8")
    queue = mp.Queue()
    proc = mp.Process(target=_rdflib_worker, args=(str(path), query.text, bindings, queue))
    proc.start()
    proc.join(timeout + 60)  # parsing the file is not timed
    if proc.is_alive():
        proc.kill()
        proc.join()
        return None
    return queue.get() if not queue.empty() else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--rdflib", action="store_true", help="also time rdflib's SPARQL engine")
    ap.add_argument("--rdflib-timeout", type=float, default=300.0)
    args = ap.parse_args()

    print(f"python {sys.version.split()[0]}, repeat {args.repeat}, scale {args.scale}")
    if args.scale == 1:
        cmd = [sys.executable, "-m", "exitkg", "report", "--format", "json"]
        t = median_time(lambda: subprocess.run(cmd, cwd=REPO, check=True, capture_output=True), args.repeat)
        print(f"exitkg report (whole command, new process): {t:.3f} s")

    graph = scaled_graph(args.scale)
    t_engine = median_time(lambda: LocalEngine(graph), args.repeat)
    engine = LocalEngine(graph)
    print(f"graph: {len(graph)} triples; loading into Oxigraph: {t_engine:.3f} s")
    examples = {"evidence-for-factor": {"factor": "stigma"}, "factors-of-study": {"study": "dahal-2015"}}
    tmp = Path(REPO / "benchmarks" / ".tmp")
    tmp.mkdir(exist_ok=True)
    try:
        print(f"{'query':<42} {'oxigraph s':>11} {'rows':>6}" + (f" {'rdflib s':>10}" if args.rdflib else ""))
        for query in Q.catalogue().values():
            values = examples.get(query.id, {})
            bindings = Q.bind(query, values)
            rows = len(engine.run(query.text, bindings).rows)
            t = median_time(lambda: engine.run(query.text, bindings), args.repeat)
            line = f"{query.id:<42} {t:>11.4f} {rows:>6}"
            if args.rdflib:
                got = rdflib_time(graph, query, bindings, args.rdflib_timeout, tmp)
                line += f" {got[0]:>10.3f}" if got else f" {'>' + format(args.rdflib_timeout, 'g'):>10}"
            print(line, flush=True)
    finally:
        for f in tmp.glob("*"):
            f.unlink()
        tmp.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
