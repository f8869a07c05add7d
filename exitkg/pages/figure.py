"""``exitkg figure``: Figure 2 of a review, rebuilt from its classifications, as an SVG picture.

The grid is the review's: one row per role (facilitating, hindering, controversial), one column
per level (individual, relational, structural), each box listing the factors as the review prints
them. Everything comes from the ``figure-2`` canned query, so the picture and the report never
disagree. The SVG is self-contained (no fonts or scripts fetched) and byte-identical from run to run.
The PNG is the SVG drawn at twice its size by CairoSVG (``pip install 'exitkg[png]'``).
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from exitkg.sparql import queries as Q
from exitkg.rdf import vocabulary
from exitkg.core.errors import QueryError
from exitkg.rdf.namespaces import EKG

ROLES = (("facilitating", "Facilitating", "#e3f1e4", "#3d7f45"),
         ("hindering", "Hindering", "#f8e1df", "#a2392f"),
         ("controversial", "Controversial", "#fcf0d2", "#9a6a07"))


def _levels() -> tuple[tuple[str, str], ...]:
    """(local name, heading) of each level, in the ontology's order ("Individual level" for the first)."""
    label = {iri: text for text, iri in vocabulary.labels(vocabulary.LEVEL).items()}
    return tuple((vocabulary.local_name(iri), f"{label[iri].capitalize()} level")
                 for iri in vocabulary.members(vocabulary.LEVEL))


_LEFT, _COLUMN, _HEADER, _LINE, _PAD, _TITLE = 150, 270, 44, 19, 14, 46


def figure_boxes(graph, review: str | None = None) -> tuple[str, dict[str, dict[str, list[str]]]]:
    """The review (its IRI) and its boxes: role -> level -> factor labels as printed."""
    rows = Q.run(Q.catalogue()["figure-2"], graph).rows
    reviews = sorted({r["review"].value for r in rows})
    if not reviews:
        raise QueryError("no review in the graph classifies any factor: nothing to draw")
    if review is None:
        chosen = reviews[0]
    else:
        matches = [r for r in reviews if r == review or vocabulary.local_name(r) == review]
        if not matches:
            raise QueryError(f"no review {review!r} in the graph; its reviews are: "
                             + ", ".join(vocabulary.local_name(r) for r in reviews))
        chosen = matches[0]
    boxes: dict[str, dict[str, list[str]]] = {role: {level: [] for level, _ in _levels()} for role, *_ in ROLES}
    for r in rows:
        if r["review"].value != chosen or r.get("category2") is None or r.get("members") is None:
            continue
        role = r["category"].value.removeprefix(EKG)
        level = r["category2"].value.removeprefix(EKG)
        if role in boxes and level in boxes[role]:
            boxes[role][level] = r["members"].value.split(" | ")
    return chosen, boxes


def _label(graph, iri: str) -> str:
    import pyoxigraph as ox

    rows = graph.run("SELECT ?r ?l WHERE { ?r <http://www.w3.org/2000/01/rdf-schema#label> ?l } LIMIT 1",
                     {"r": ox.NamedNode(iri)}).rows
    return rows[0]["l"].value if rows else vocabulary.local_name(iri)


def render_svg(graph, review: str | None = None) -> str:
    """Figure 2 of *review* (its slug or IRI; default: the first review of the graph) as SVG."""
    chosen, boxes = figure_boxes(graph, review)
    title = f"Figure 2 of {_label(graph, chosen)}, rebuilt from the graph"
    heights = {role: _PAD * 2 + _LINE * max(1, max(len(items) for items in boxes[role].values()))
               for role, *_ in ROLES}
    width = _LEFT + _COLUMN * len(_levels()) + 2
    height = _TITLE + _HEADER + sum(heights.values()) + 2
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, Helvetica, sans-serif" font-size="13">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{width // 2}" y="28" text-anchor="middle" font-size="16" font-weight="bold">{escape(title)}</text>',
    ]
    y = _TITLE
    for index, (_, name) in enumerate(_levels()):
        x = _LEFT + index * _COLUMN
        out.append(f'<rect x="{x}" y="{y}" width="{_COLUMN}" height="{_HEADER}" fill="#eeeeee" stroke="#555555"/>')
        out.append(f'<text x="{x + _COLUMN // 2}" y="{y + 27}" text-anchor="middle" font-weight="bold">'
                   f'{escape(name)}</text>')
    y += _HEADER
    for role, name, fill, stroke in ROLES:
        h = heights[role]
        total = sum(len(items) for items in boxes[role].values())
        out.append(f'<g class="role" data-role={quoteattr(role)}>')
        out.append(f'<rect x="1" y="{y}" width="{_LEFT - 1}" height="{h}" fill="{fill}" stroke="{stroke}"/>')
        out.append(f'<text x="{_LEFT // 2}" y="{y + h // 2}" text-anchor="middle" font-weight="bold" '
                   f'fill="{stroke}">{escape(name)}</text>')
        out.append(f'<text x="{_LEFT // 2}" y="{y + h // 2 + 18}" text-anchor="middle" fill="{stroke}">'
                   f'{total} factor{"s" if total != 1 else ""}</text>')
        for index, (level, _) in enumerate(_levels()):
            x = _LEFT + index * _COLUMN
            out.append(f'<g class="box" data-level={quoteattr(level)}>')
            out.append(f'<rect x="{x}" y="{y}" width="{_COLUMN}" height="{h}" fill="{fill}" stroke="{stroke}"/>')
            for line, item in enumerate(boxes[role][level]):
                out.append(f'<text class="factor" x="{x + _PAD}" y="{y + _PAD + 13 + line * _LINE}">'
                           f'{escape(item)}</text>')
            out.append("</g>")
        out.append("</g>")
        y += h
    out.append("</svg>")
    return "\n".join(out) + "\n"


def render_png(graph, review: str | None = None, scale: float = 2.0) -> bytes:
    """Figure 2 as PNG: the SVG of :func:`render_svg`, drawn by CairoSVG at *scale*."""
    from exitkg.core.errors import UsageError

    try:
        import cairosvg
    except ImportError:
        raise UsageError("PNG needs CairoSVG: pip install 'exitkg[png]'") from None
    except OSError as exc:  # the cairo library itself is missing
        raise UsageError(f"PNG needs the cairo library (Debian: apt-get install libcairo2): {exc}") from None
    return cairosvg.svg2png(bytestring=render_svg(graph, review).encode("utf-8"), scale=scale)
