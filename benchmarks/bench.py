"""Wall-time benchmark of ``exitkg report`` and of every canned query.

    python benchmarks/bench.py                  # packaged graph, 5 repetitions
    python benchmarks/bench.py --repeat 10
    python benchmarks/bench.py --scale 18 --rdflib   # ~60,000 triples; also time rdflib's engine

Times are medians over the repetitions, in seconds, on whatever machine runs it. ``--scale K``
makes K renamed copies of the packaged data (the ontology once; the description is recomputed) so
that the queries run over a larger graph. ``--rdflib`` also runs each query with rdflib's own SPARQL engine, in a child
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
from exitkg.graph import ONTOLOGY_GRAPH, load  # noqa: E402
from exitkg.terms import to_rdflib  # noqa: E402

ID = "https://w3id.org/exitkg/id/"


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def scaled_graph(k: int):
    """The packaged graph, with k - 1 renamed copies of its data added, and its description."""
    import pyoxigraph as ox

    graph = load()
    if k > 1:
        ontology = {(q.subject, q.predicate, q.object) for q in graph.graph_quads(ONTOLOGY_GRAPH)}
        data = [q for q in graph.triples() if (q.subject, q.predicate, q.object) not in ontology]
        for i in range(1, k):
            def rename(t, i=i):
                return ox.NamedNode(f"{t.value}-copy{i}") if isinstance(t, ox.NamedNode) and t.value.startswith(ID) else t
            graph.store.extend(ox.Quad(rename(q.subject), q.predicate, rename(q.object), ox.DefaultGraph()) for q in data)
    graph.add_description()
    return graph


def _rdflib_worker(path: str, text: str, bindings: dict, queue) -> None:
    from rdflib import Graph

    graph = Graph().parse(path, format="nt")
    start = time.perf_counter()
    rows = list(graph.query(text, initBindings=bindings))
    queue.put((time.perf_counter() - start, len(rows)))


def rdflib_time(graph, query, bindings, timeout: float, tmp: Path):
    import pyoxigraph as ox

    path = tmp / "graph.nt"
    if not path.exists():
        ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in graph.triples()], str(path),
                     format=ox.RdfFormat.N_TRIPLES)
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

    t_load = median_time(load, args.repeat)
    engine = scaled_graph(args.scale)
    print(f"graph: {len(engine)} triples; loading the packaged graph into Oxigraph: {t_load:.3f} s")
    tmp = Path(REPO / "benchmarks" / ".tmp")
    tmp.mkdir(exist_ok=True)
    try:
        print(f"{'query':<42} {'oxigraph s':>11} {'rows':>6}" + (f" {'rdflib s':>10}" if args.rdflib else ""))
        for query in Q.catalogue().values():
            values = query.examples[0]
            bindings = Q.bind(query, values)
            rows = len(engine.run(query.text, bindings).rows)
            t = median_time(lambda: engine.run(query.text, bindings), args.repeat)
            line = f"{query.id:<42} {t:>11.4f} {rows:>6}"
            if args.rdflib:
                got = rdflib_time(engine, query, {k: to_rdflib(v) for k, v in bindings.items()}, args.rdflib_timeout, tmp)
                line += f" {got[0]:>10.3f}" if got else f" {'>' + format(args.rdflib_timeout, 'g'):>10}"
            print(line, flush=True)
    finally:
        for f in tmp.glob("*"):
            f.unlink()
        tmp.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
