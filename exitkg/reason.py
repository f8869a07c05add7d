"""OWL reasoning with HermiT through owlready2, under a deadline.

:func:`reason` merges the ontology with the data (the packaged data, or the
files given), writes the merge as N-Triples into a private temporary folder
(owlready2 reads no Turtle), and runs HermiT in a child process of its own
session, so that a deadline can stop the child *and* the Java process it
starts. The temporary folder is removed in every case; input files are only
read.

The result says whether the ontology is consistent and which factors the
reasoner classifies as :data:`CONTROVERSIAL_CLASS` (factors with findings of
opposite effective direction).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from exitkg import errors
from exitkg.errors import DeadlineError, ReasonerError, one_line
from exitkg.namespaces import EKG
from exitkg.rdfio import PathLike

CONTROVERSIAL_CLASS = EKG + "ControversialByEvidence"
DEFAULT_TIMEOUT = 120.0
JAVA_ENV = "EXITKG_JAVA"


@dataclass
class ReasonResult:
    consistent: bool
    controversial: list[str]
    seconds: float
    triples: int

    @property
    def exit_code(self) -> int:
        return errors.OK if self.consistent else errors.FAILED

    def as_dict(self) -> dict:
        return {
            "consistent": self.consistent,
            "reasoner": "HermiT (owlready2)",
            "controversial_by_evidence": self.controversial,
            "seconds": round(self.seconds, 3),
            "triples": self.triples,
        }


def find_java() -> str:
    """Return the Java executable: ``$EXITKG_JAVA`` if set, else ``java`` on PATH."""
    wanted = os.environ.get(JAVA_ENV) or "java"
    found = shutil.which(wanted)
    if not found:
        raise ReasonerError(
            f"Java not found ({wanted!r}); HermiT needs a Java runtime (17 or later): "
            f"install one or set {JAVA_ENV} to its path"
        )
    return found


def _merged_graph(paths: Iterable[PathLike] | None):
    from exitkg.rdfio import load_graph, load_ontology, load_packaged_graph

    if paths is None:
        return load_packaged_graph()
    return load_graph(list(paths), base_graph=load_ontology())


def reason(paths: Iterable[PathLike] | None = None, *, timeout: float = DEFAULT_TIMEOUT) -> ReasonResult:
    """Check consistency and classify controversial factors with HermiT.

    Raises :class:`ReasonerError` (no Java, reasoner crash) or
    :class:`DeadlineError` when *timeout* seconds pass first.
    """
    if not timeout > 0:
        raise errors.UsageError("the reasoner timeout must be a positive number of seconds")
    java = find_java()
    graph = _merged_graph(paths)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="exitkg-reason-") as tmp:
        source = Path(tmp) / "merged.nt"
        graph.serialize(destination=str(source), format="nt", encoding="utf-8")
        # The worker (and owlready2 in it) keeps its own temporary files in our folder, so
        # they go with it even when the deadline kills the worker.
        env = dict(os.environ, EXITKG_JAVA=java, TMPDIR=tmp)
        cmd = [sys.executable, "-m", "exitkg._reasoner_worker", str(source)]
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp, env=env,
            start_new_session=True, text=True,
        )
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise DeadlineError(f"the reasoner did not finish within {timeout:g} s (raise --timeout)") from None
        except BaseException:
            _kill_group(proc)
            raise
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        lines = [line for line in (err or "").splitlines() if line.strip()]
        detail = lines[-1] if lines else f"exit status {proc.returncode}"
        raise ReasonerError(f"HermiT failed: {one_line(detail)}")
    try:
        answer = json.loads(out)
    except ValueError:
        raise ReasonerError("HermiT failed: the reasoner worker gave no readable answer") from None
    return ReasonResult(
        consistent=bool(answer["consistent"]),
        controversial=sorted(answer.get("controversial", [])),
        seconds=seconds,
        triples=len(graph),
    )


def _kill_group(proc: subprocess.Popen) -> None:
    """Stop the worker and everything it started (the Java process)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover - a process that ignores SIGKILL
        pass


def render_text(result: ReasonResult) -> str:
    lines = [
        f"HermiT: the ontology and data are {'consistent' if result.consistent else 'INCONSISTENT'} "
        f"({result.triples} triples, {result.seconds:.1f} s)",
    ]
    if result.consistent:
        lines.append(f"Controversial by evidence ({len(result.controversial)}):")
        lines.extend(f"  {iri}" for iri in result.controversial)
    return "\n".join(lines) + "\n"


def render_json(result: ReasonResult) -> str:
    return json.dumps(result.as_dict(), indent=2, sort_keys=True) + "\n"


RENDERERS = {"text": render_text, "json": render_json}
