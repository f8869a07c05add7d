"""OWL reasoning: HermiT through owlready2 under a deadline, or an OWL 2 RL engine on a module.

Two engines, two checks:

* ``hermit`` (:func:`reason`): the whole graph and ontology in OWL 2 DL. It checks consistency
  and classifies the controversial and contested factors. Complete, and slow as the graph grows.
* ``rl`` (:func:`classify_rl`): the classification alone, with ``reasonable`` (a Rust OWL 2 RL
  engine), on the module that decides it: the definitions of the effectively facilitating and
  hindering assertions and of the two factor classes, and the role assertions with their factors.
  The one part of the definitions outside OWL 2 RL, ``ekg:population max 0`` (whole-sample
  assertions), is closed as the HermiT step closes it, by asserting ``ekg:WholeSampleAssertion``
  on the assertions without a population. It gives the same classes as HermiT (the tests compare
  them) and checks no consistency.

:func:`reason` writes the merge of a loaded graph (the ontology and the
packaged sources, or the inputs given) as N-Triples into a private temporary
folder (owlready2 reads no Turtle), and runs HermiT in a child process of its own
session, so that a deadline can stop the child *and* the Java process it
starts. The temporary folder is removed in every case; input files are only
read.

The result says whether the ontology is consistent and which factors the
reasoner classifies as :data:`CONTROVERSIAL_CLASS` (factors with role
assertions of opposite effective direction) and as :data:`CONTESTED_CLASS`
(the same, among whole-sample assertions only).
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
from dataclasses import dataclass, field
from pathlib import Path

from exitkg.core import errors
from exitkg.core.children import die_with_parent
from exitkg.core.errors import DeadlineError, ReasonerError, one_line
from exitkg.rdf.namespaces import EKG, OWL, RDFS, sparql_prefixes

CONTROVERSIAL_CLASS = EKG + "ControversialByEvidence"
CONTESTED_CLASS = EKG + "ContestedByEvidence"
DEFAULT_TIMEOUT = 120.0
JAVA_ENV = "EXITKG_JAVA"
ENGINES = {"hermit": "HermiT (owlready2)", "rl": "OWL 2 RL (reasonable), on the classification module"}


@dataclass
class ReasonResult:
    consistent: bool | None          # None: not checked (the OWL 2 RL engine)
    controversial: list[str]
    seconds: float
    triples: int
    contested: list[str] = field(default_factory=list)
    engine: str = "hermit"
    #: when inconsistent: the statements that make it so, as far as SPARQL finds them
    #: (:func:`explain_inconsistency`); HermiT itself gives no explanation
    explanation: list[str] = field(default_factory=list)

    @property
    def without_whole_sample_conflict(self) -> list[str]:
        """Factors controversial by evidence but not in ekg:ContestedByEvidence: no conflict among
        whole-sample assertions. Not the population-aware status of the controversial-by-evidence
        query, which compares populations (countries) and which OWL cannot state."""
        return sorted(set(self.controversial) - set(self.contested))

    @property
    def exit_code(self) -> int:
        return errors.FAILED if self.consistent is False else errors.OK

    def as_dict(self) -> dict:
        return {
            "consistent": self.consistent,
            "reasoner": ENGINES[self.engine],
            "controversial_by_evidence": self.controversial,
            "contested_by_evidence": self.contested,
            "without_whole_sample_conflict": self.without_whole_sample_conflict,
            "seconds": round(self.seconds, 3),
            "triples": self.triples,
            "explanation": self.explanation,
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


#: the Java heap HermiT gets, in MiB (owlready2's default: 2000)
MEMORY_ENV = "EXITKG_JAVA_MEMORY"


#: the Java options HermiT runs with: the client compiler alone and one garbage-collector thread.
#: A HermiT run is seconds long, and the optimising compiler's threads spent more CPU compiling
#: than its code saved (on the packaged graph, 10.6 to 13.3 s of CPU with them, 6.4 to 7.3 s
#: without; the same classes). Options a user sets in ``JAVA_TOOL_OPTIONS`` come after, and win.
JAVA_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


def java_environment(environ=None) -> dict[str, str]:
    """The environment HermiT's Java runs in: *environ* (default: this process's) with
    :data:`JAVA_OPTIONS` before any ``JAVA_TOOL_OPTIONS`` of its own."""
    env = dict(os.environ if environ is None else environ)
    env["JAVA_TOOL_OPTIONS"] = " ".join(filter(None, [JAVA_OPTIONS, env.get("JAVA_TOOL_OPTIONS", "").strip()]))
    return env


def java_failure(err: str, java: str, status: int) -> str:
    """One actionable line for a failed HermiT run, from what the worker and Java wrote."""
    import re

    if "UnsupportedClassVersionError" in err:  # class file version N is Java N - 44
        wanted, known = re.search(r"class file version (\d+)", err), re.search(r"versions up to (\d+)", err)
        need = f"Java {int(wanted.group(1)) - 44} or later" if wanted else "a newer Java"
        have = f" (it runs up to Java {int(known.group(1)) - 44})" if known else ""
        return f"HermiT needs {need}; {java} is older{have}: install one, or set {JAVA_ENV} to its path"
    if "OutOfMemoryError" in err:
        return (f"HermiT ran out of Java heap memory: give it more with {MEMORY_ENV}=MiB "
                "(2000 by default), or reason on less data (`engine` rl needs no Java)")
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("Picked up JAVA_TOOL_OPTIONS")]
    return f"HermiT failed: {one_line(lines[-1] if lines else f'exit status {status}')}"


_CLOSURE = sparql_prefixes("ekg") + """
SELECT DISTINCT ?a WHERE {
  { ?a a ekg:Finding } UNION { ?a a ekg:CitedEvidence } UNION { ?a a ekg:RoleAssertion }
  FILTER NOT EXISTS { ?a ekg:population ?p }
  FILTER(isIRI(?a))
}
"""


#: the annotation properties of a graph: declared so and not also as an object or data property
#: (OWL 2's built-in ones, never declared, are :data:`BUILT_IN_ANNOTATIONS`)
_ANNOTATION_PROPERTIES = sparql_prefixes("owl") + """
SELECT DISTINCT ?p WHERE {
  ?p a owl:AnnotationProperty
  FILTER NOT EXISTS { ?p a owl:ObjectProperty } FILTER NOT EXISTS { ?p a owl:DatatypeProperty }
}
"""
#: OWL 2's built-in annotation properties
BUILT_IN_ANNOTATIONS = frozenset(
    [RDFS + name for name in ("label", "comment", "seeAlso", "isDefinedBy")]
    + [OWL + name for name in ("versionInfo", "deprecated", "priorVersion", "backwardCompatibleWith",
                               "incompatibleWith")])


def annotation_properties(graph) -> frozenset[str]:
    """The IRIs of the annotation properties of *graph*: OWL 2's built-in ones and those it declares
    ``owl:AnnotationProperty`` (and not also an object or data property)."""
    return BUILT_IN_ANNOTATIONS | {row["p"].value for row in graph.run(_ANNOTATION_PROPERTIES).rows}


def reasoner_input(graph) -> bytes:
    """The N-Triples HermiT reads: the graph's merge without its annotations, plus closure axioms
    on ``ekg:population``.

    Annotation assertions (labels, definitions, titles, notes: the values of an annotation property,
    :func:`annotation_properties`) have no meaning in OWL 2's direct semantics, so they change
    neither the consistency nor any class HermiT infers; reading them cost HermiT (and owlready2)
    as much as the rest of the data. They are left out; the declarations of the properties stay.

    OWL's open world cannot know that a role assertion has no population; every role assertion
    without one gets the type ``ekg:population max 0`` (a fresh restriction each), so that
    ``ekg:WholeSampleAssertion`` and ``ekg:ContestedByEvidence`` can be classified. The data is
    complete for ``ekg:population`` by construction (a finding names its population or has none).
    """
    import pyoxigraph as ox

    from exitkg.rdf.namespaces import OWL as owl, RDF, XSD

    closure = []
    for i, row in enumerate(graph.run(_CLOSURE).rows):
        restriction = ox.BlankNode(f"closure{i}")
        closure += [
            ox.Triple(row["a"], ox.NamedNode(RDF + "type"), restriction),
            ox.Triple(restriction, ox.NamedNode(RDF + "type"), ox.NamedNode(owl + "Restriction")),
            ox.Triple(restriction, ox.NamedNode(owl + "onProperty"), ox.NamedNode(EKG + "population")),
            ox.Triple(restriction, ox.NamedNode(owl + "maxCardinality"),
                      ox.Literal("0", datatype=ox.NamedNode(XSD + "nonNegativeInteger"))),
        ]
    dropped = {ox.NamedNode(iri) for iri in annotation_properties(graph)}
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in graph.triples() if q.predicate not in dropped]
    # pyoxigraph's stub: serialize without an output returns bytes
    return ox.serialize(triples + closure, format=ox.RdfFormat.N_TRIPLES)  # type: ignore[return-value]


_CAUSES = (
    (sparql_prefixes("owl") + """SELECT DISTINCT ?x ?p ?values WHERE {
  ?p a owl:FunctionalProperty . ?x ?p ?values , ?w . FILTER(!sameTerm(?values, ?w))
} ORDER BY STR(?x) STR(?p) STR(?values) LIMIT 200""",
     "{x} has more than one value of the functional property {p}: {values}"),
    (sparql_prefixes("owl", "rdf", "rdfs") + """SELECT DISTINCT ?x ?c1 ?c2 WHERE {
  { ?c1 owl:disjointWith ?c2 } UNION { ?c2 owl:disjointWith ?c1 } UNION
  { ?d a owl:AllDisjointClasses ; owl:members ?l . ?l rdf:rest*/rdf:first ?c1 . ?l rdf:rest*/rdf:first ?c2 }
  FILTER(isIRI(?c1) && isIRI(?c2) && STR(?c1) < STR(?c2))
  ?x a/rdfs:subClassOf* ?c1 . ?x a/rdfs:subClassOf* ?c2 .
} ORDER BY STR(?x) STR(?c1) STR(?c2) LIMIT 20""",
     "{x} is an instance of both {c1} and {c2}, which are disjoint"),
)


def explain_inconsistency(graph) -> list[str]:
    """The statements that most often make a graph inconsistent, found by SPARQL on *graph*: an
    individual with two values of a functional property, or in two disjoint classes (through
    subclasses too). Empty when the cause is elsewhere (HermiT does not say where)."""
    lines: dict[tuple, list] = {}  # (template, the other variables) -> values, in the answer's order
    for query, template in _CAUSES:
        for row in graph.run(query).rows:
            text = {k: (v.value if v is not None else "") for k, v in row.items()}
            values = text.pop("values", None)
            lines.setdefault((template, tuple(sorted(text.items()))), []).append(values)
    return [template.format(**dict(key), values=", ".join(v for v in values if v is not None))
            for (template, key), values in lines.items()][:20]


def reason(graph=None, *, timeout: float = DEFAULT_TIMEOUT) -> ReasonResult:
    """Check consistency and classify the controversial (and the contested) factors with HermiT.

    *graph* is a loaded :class:`exitkg.graph.local.KnowledgeGraph` (default: the ontology and the
    packaged sources). Raises :class:`ReasonerError` (no Java, reasoner crash) or
    :class:`DeadlineError` when *timeout* seconds pass first.
    """
    from exitkg.graph.local import load

    if not timeout > 0:
        raise errors.UsageError("the reasoner timeout must be a positive number of seconds")
    java = find_java()
    graph = graph if graph is not None else load()
    start = time.monotonic()
    try:
        scratch = tempfile.TemporaryDirectory(prefix="exitkg-reason-")
    except OSError as exc:  # no usable temporary folder
        raise errors.OutputError(f"cannot create the reasoner's temporary folder: {exc.strerror or exc} "
                                 "(free space there, or set TMPDIR)") from None
    with scratch as tmp:
        source = Path(tmp) / "merged.nt"
        try:
            source.write_bytes(reasoner_input(graph))
        except OSError as exc:  # a full temporary folder
            raise errors.OutputError(f"cannot write the reasoner's input in {tmp}: {exc.strerror or exc} "
                                     "(free space there, or set TMPDIR)") from None
        # The worker (and owlready2 in it) keeps its own temporary files in our folder, so
        # they go with it even when the deadline kills the worker.
        env = dict(java_environment(), EXITKG_JAVA=java, TMPDIR=tmp)
        cmd = [sys.executable, "-m", "exitkg.checks._reasoner_worker", str(source)]
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp, env=env,
            start_new_session=True, text=True, preexec_fn=die_with_parent(),
        )
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise DeadlineError(f"the reasoner did not finish within {timeout:g} s") from None
        except BaseException:
            _kill_group(proc)
            raise
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        raise ReasonerError(java_failure(err or "", java, proc.returncode))
    try:
        answer = json.loads(out)
    except ValueError:
        raise ReasonerError("HermiT failed: the reasoner worker gave no readable answer") from None
    consistent = bool(answer["consistent"])
    return ReasonResult(
        consistent=consistent,
        controversial=sorted(answer.get("controversial", [])),
        contested=sorted(answer.get("contested", [])),
        seconds=seconds,
        triples=len(graph),
        explanation=[] if consistent else explain_inconsistency(graph),
    )


_RL_ABOX = sparql_prefixes("ekg") + """
CONSTRUCT {
  ?factor a ekg:Factor ; ekg:hasStatement ?a .
  ?a a ekg:RoleAssertion, ?sample ; ekg:statedRole ?role ; ekg:aboutAbsence ?absence .
} WHERE {
  ?a ekg:aboutFactor ?factor ; ekg:statedRole ?role ; ekg:aboutAbsence ?absence .
  OPTIONAL { ?a ekg:population ?population }
  BIND(IF(BOUND(?population), ekg:RoleAssertion, ekg:WholeSampleAssertion) AS ?sample)
}
"""
_RL_CLASSES = ("EffectivelyFacilitatingAssertion", "EffectivelyHinderingAssertion", "ControversialByEvidence",
               "ContestedByEvidence")


def rl_module(graph) -> list:
    """The module that decides the classification (pyoxigraph triples): the role assertions with
    their factors (``ekg:hasStatement``, the inverse of ``ekg:aboutFactor``, stated), the
    whole-sample closure, and the OWL definitions of the derived classes with the class
    expressions they reach."""
    import pyoxigraph as ox

    from exitkg.graph.local import ONTOLOGY_GRAPH

    abox = [t for t in graph.store.query(_RL_ABOX)]
    by_subject: dict = {}
    for q in graph.graph_quads(ONTOLOGY_GRAPH):
        by_subject.setdefault(q.subject, []).append(q.triple)
    todo: list[ox.NamedNode | ox.BlankNode]
    axioms, todo, seen = [], [ox.NamedNode(EKG + name) for name in _RL_CLASSES], set()
    equivalent = OWL + "equivalentClass"
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for t in by_subject.get(node, []):
            if isinstance(t.subject, ox.BlankNode) or t.predicate.value == equivalent:
                axioms.append(t)
                if isinstance(t.object, ox.BlankNode):
                    todo.append(t.object)
    return abox + axioms


def classify_rl(graph=None) -> ReasonResult:
    """Classify the controversial and contested factors with an OWL 2 RL engine on the module
    (:func:`rl_module`); no consistency check (see the module's description)."""
    import rdflib

    from exitkg.graph.local import load
    from exitkg.rdf.terms import to_rdflib

    try:
        import reasonable
    except ImportError:  # pragma: no cover - a dependency of the package
        raise ReasonerError("the OWL 2 RL engine needs the package 'reasonable' (pip install reasonable)") from None
    graph = graph if graph is not None else load()
    start = time.monotonic()
    module = rdflib.Graph()
    for t in rl_module(graph):
        module.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    engine = reasonable.PyReasoner()
    engine.from_graph(module)
    try:
        closure = engine.reason()
    except Exception as exc:  # the engine's own error types
        raise ReasonerError(f"the OWL 2 RL engine failed: {one_line(exc)}") from None
    rdf_type = str(rdflib.RDF.type)
    members: dict[str, set[str]] = {CONTROVERSIAL_CLASS: set(), CONTESTED_CLASS: set()}
    for s, p, o in closure:
        if str(p) == rdf_type and str(o) in members:
            members[str(o)].add(str(s))
    return ReasonResult(consistent=None, controversial=sorted(members[CONTROVERSIAL_CLASS]),
                        contested=sorted(members[CONTESTED_CLASS]), seconds=time.monotonic() - start,
                        triples=len(module), engine="rl")


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
    if result.engine == "rl":
        lines = [f"OWL 2 RL (reasonable): classification only, consistency not checked "
                 f"({result.triples} triples in the module, {result.seconds:.1f} s)"]
    else:
        lines = [f"HermiT: the ontology and data are {'consistent' if result.consistent else 'INCONSISTENT'} "
                 f"({result.triples} triples, {result.seconds:.1f} s)"]
    if result.consistent is False:
        if result.explanation:
            lines.append("Likely causes (found by SPARQL; HermiT does not say):")
            lines.extend(f"  {line}" for line in result.explanation)
        else:
            lines.append("No individual has two values of a functional property or two disjoint classes; "
                         "the cause is elsewhere (HermiT does not say)")
    if result.consistent is not False:
        lines.append(f"Controversial by evidence ({len(result.controversial)}):")
        lines.extend(f"  {iri}" for iri in result.controversial)
        lines.append(f"Of those, contested among whole-sample evidence ({len(result.contested)}):")
        lines.extend(f"  {iri}" for iri in result.contested)
        lines.append(f"Without a conflict among whole-sample evidence ({len(result.without_whole_sample_conflict)}):")
        lines.extend(f"  {iri}" for iri in result.without_whole_sample_conflict)
    return "\n".join(lines) + "\n"


def render_json(result: ReasonResult) -> str:
    return json.dumps(result.as_dict(), indent=2, sort_keys=True) + "\n"


RENDERERS = {"text": render_text, "json": render_json}
