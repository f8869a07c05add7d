"""RDF terms: the one conversion between pyoxigraph and rdflib, and plain values of terms.

Inside exitkg every graph is a :class:`pyoxigraph.Store` and every term a pyoxigraph term. rdflib
terms are made only where a library needs them (pySHACL reads rdflib graphs) or a caller asks for
them (:meth:`exitkg.sparql.engine.Result.to_rdflib`); :func:`to_rdflib` and :func:`to_oxigraph` are the
only converters.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from exitkg.rdf.namespaces import XSD

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph

XSD_STRING = XSD + "string"
_INTEGER_TYPES = {XSD + t for t in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
    "nonPositiveInteger", "negativeInteger", "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}


def to_rdflib(term: pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal | None):
    """The rdflib term equal to a pyoxigraph term (``None`` stays ``None``).

    Literals keep their lexical form: rdflib is told not to normalise them.
    """
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language, normalize=False)
        if term.datatype.value == XSD_STRING:
            return Literal(term.value, normalize=False)
        return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)
    raise TypeError(f"RDF 1.2 triple terms are not supported: {term!r}")


def to_oxigraph(term):
    """The pyoxigraph term equal to an rdflib term (pyoxigraph terms are returned unchanged)."""
    import pyoxigraph as ox

    if isinstance(term, (ox.NamedNode, ox.BlankNode, ox.Literal)):
        return term  # without importing rdflib, which a command on pyoxigraph terms never needs
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def lexical(term) -> str:
    """The plain text of a term: an IRI, a blank node label, a literal's lexical form; '' for None."""
    if term is None:
        return ""
    return term.value


def is_iri(term) -> bool:
    import pyoxigraph as ox

    return isinstance(term, ox.NamedNode)


def python_value(term) -> Any:
    """A Python value for a term: IRIs and blank nodes as text (``_:`` for blank nodes), numbers as
    ``int``, ``Decimal`` or ``float``, booleans as ``bool``, dates as :mod:`datetime` values, other
    literals as their lexical form. An ill-typed literal stays text."""
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if not isinstance(term, ox.Literal):
        return term.value
    kind, text = (term.datatype.value if not term.language else None), term.value
    try:
        if kind in _INTEGER_TYPES:
            return int(text)
        if kind == XSD + "boolean":
            if text in ("true", "1"):
                return True
            if text in ("false", "0"):
                return False
            return text
        if kind == XSD + "decimal":
            return Decimal(text)
        if kind in (XSD + "double", XSD + "float"):
            return float(text)
        if kind == XSD + "date":
            return datetime.date.fromisoformat(text)
    except (ValueError, InvalidOperation):
        return text
    return text
