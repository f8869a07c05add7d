"""The ontology's class diagram, as SVG: every class, its subclasses, and the object properties
that leave it, drawn from the ontology's triples alone.

The layout is exitkg's own and small, so that nothing beyond Python is needed and the picture is
byte-identical from run to run: each tree of the subclass hierarchy (a class with no named
superclass among the ontology's classes, and everything under it) is drawn as an indented tree of
boxes, a subclass below its superclass, joined to it by a line ending in UML's hollow triangle.
The trees are packed into columns, the tallest first, each into the shortest column so far. A
class with a second superclass names it in its box (``also subclass of``). Each object property
is a line of the box of its domain (of each named class of a union): ``name -> Range`` (UML's
association written as an attribute); properties without a named domain are listed in a box of
their own. The text is monospace, so its width is known without fonts; no text is smaller than
12 px. Every class and range is a link, made by the caller's *href* (``#Factor`` on the ontology's
page, ``ontology.html#Factor`` in the file beside it).
"""

from __future__ import annotations

from collections import defaultdict
from xml.sax.saxutils import escape, quoteattr

from exitkg.rdf.namespaces import EKG

#: the width of a character of the diagram's monospace text, per pixel of its size
_CHAR = 0.61
_NAME_PX, _LINE_PX = 13, 12
_HEAD, _ROW, _PAD, _INDENT, _GAP, _COLUMN_GAP, _MARGIN, _LEGEND = 22, 16, 6, 22, 12, 28, 12, 44
_COLUMNS = 4
OWL = "http://www.w3.org/2002/07/owl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
NO_DOMAIN = "(no named domain)"


def diagram_data(triples) -> dict:
    """What the diagram draws, from the ontology's *triples*: ``classes`` (their IRIs), ``parents``
    (class -> its named superclasses among the classes), ``properties`` (domain class or
    :data:`NO_DOMAIN` -> sorted (property, range or None) pairs)."""
    import pyoxigraph as ox

    from exitkg.pages.rdfindex import TripleIndex

    index = TripleIndex(triples)

    def named(node) -> list[str]:
        """A class expression's named classes: itself, or the members of a union."""
        if isinstance(node, ox.NamedNode):
            return [node.value]
        members = index.one(node, OWL + "unionOf")
        return sorted(m.value for m in index.rdf_list(members) if isinstance(m, ox.NamedNode)) if members else []

    typed: dict[str, set[str]] = defaultdict(set)
    for subject, props in index.by_subject.items():
        if isinstance(subject, ox.NamedNode):
            typed[subject.value].update(t.value for t in props.get(RDF_TYPE, []))
    classes = sorted(i for i, ts in typed.items() if OWL + "Class" in ts)
    known = set(classes)
    parents = {c: sorted({s.value for s in index.values(ox.NamedNode(c), RDFS + "subClassOf")
                          if isinstance(s, ox.NamedNode) and s.value in known and s.value != c})
               for c in classes}
    properties: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for prop in sorted(i for i, ts in typed.items() if OWL + "ObjectProperty" in ts):
        node = ox.NamedNode(prop)
        ranges: list[str | None] = [r for v in index.values(node, RDFS + "range") for r in named(v)]
        ranges = ranges or [None]
        domains = [d for v in index.values(node, RDFS + "domain") for d in named(v) if d in known] or [NO_DOMAIN]
        for d in sorted(set(domains)):
            for r in sorted(set(ranges), key=lambda r: r or ""):
                properties[d].append((prop, r))
    return {"classes": classes, "parents": parents,
            "properties": {d: sorted(ps, key=lambda p: (p[0], p[1] or "")) for d, ps in sorted(properties.items())}}




def render_class_diagram(triples, href, short) -> str:
    """The class diagram of the ontology whose *triples* are given, as an SVG document (no XML
    declaration, so that it can stand in an HTML page too). *href* maps a class's IRI to the
    address of its documentation (or None: no link); *short* maps an IRI to the name shown
    (``Factor``, ``foaf:Person``)."""
    data = diagram_data(triples)
    parents, props = data["parents"], data["properties"]
    children: dict[str, list[str]] = defaultdict(list)
    for c in data["classes"]:
        if parents[c]:
            children[parents[c][0]].append(c)
    roots = [c for c in data["classes"] if not parents[c]]

    def width(text: str, px: int) -> float:
        return len(text) * px * _CHAR

    def lines(c: str) -> list[tuple[str, str | None, str | None]]:
        """The lines of a box under its name: (text, linked IRI, its text) for each."""
        out: list[tuple[str, str | None, str | None]] = [
            (f"also subclass of {short(p)}", p, short(p)) for p in parents.get(c, [])[1:]]
        out += [(f"{short(p)} \u2192 {short(r) if r else 'any'}", r, short(r) if r else None)
                for p, r in props.get(c, [])]
        return out

    def box_height(c: str) -> int:
        return _HEAD + _ROW * len(lines(c)) + (_PAD if lines(c) else 0)

    # each tree as its boxes in order: (class, depth), with the tree's height and width
    def walk(c: str, depth: int, out: list[tuple[str, int]]) -> None:
        out.append((c, depth))
        for k in sorted(children[c], key=short):
            walk(k, depth + 1, out)

    trees: list[tuple[str, list[tuple[str, int]], int, float]] = []
    for r in roots:
        boxes: list[tuple[str, int]] = []
        walk(r, 0, boxes)
        height = sum(box_height(c) for c, _ in boxes) + _GAP * (len(boxes) - 1)
        wide = max(d * _INDENT + max([width(short(c), _NAME_PX)] + [width(t, _LINE_PX) for t, *_ in lines(c)])
                   for c, d in boxes) + 2 * _PAD
        trees.append((r, boxes, height, wide))
    if NO_DOMAIN in props:
        wide = max([width(NO_DOMAIN, _NAME_PX)] + [width(t, _LINE_PX) for t, *_ in lines(NO_DOMAIN)]) + 2 * _PAD
        trees.append((NO_DOMAIN, [(NO_DOMAIN, 0)], box_height(NO_DOMAIN), wide))
    trees.sort(key=lambda t: (-t[2], short(t[0]) if t[0] != NO_DOMAIN else "~"))

    columns: list[list[tuple[str, list[tuple[str, int]], int, float]]] = [
        [] for _ in range(min(_COLUMNS, len(trees)) or 1)]
    tall = [0] * len(columns)
    for tree in trees:
        i = min(range(len(columns)), key=lambda k: (tall[k], k))
        columns[i].append(tree)
        tall[i] += tree[2] + _GAP * 2
    widths = [int(max((t[3] for t in col), default=0)) + 1 for col in columns]

    out: list[str] = []
    x = _MARGIN
    for col, col_width in zip(columns, widths, strict=True):
        y = _MARGIN + _LEGEND
        for _root, boxes, _h, _w in col:
            spine: dict[str, tuple[float, float]] = {}   # a superclass's box: the foot of its children's line
            for c, depth in boxes:
                bx, bw, bh = x + depth * _INDENT, col_width - depth * _INDENT, box_height(c)
                if parents.get(c):
                    px, py = spine[parents[c][0]]
                    out.append(f'<path d="M{px} {py + 10} V{y + _HEAD // 2} H{bx}" fill="none" stroke="#666"/>')
                spine[c] = (bx + _INDENT // 2, y + bh)
                if children.get(c):
                    sx, sy = spine[c]
                    out.append(f'<path d="M{sx} {sy} L{sx - 5} {sy + 10} H{sx + 5} Z" fill="#fff" stroke="#666"/>')
                fill = "#eef3fb" if c != NO_DOMAIN else "#f4f4f4"
                out.append(f'<rect x="{bx}" y="{y}" width="{bw}" height="{bh}" rx="3" fill="{fill}" stroke="#5a6f8f"/>')
                name = short(c) if c != NO_DOMAIN else NO_DOMAIN
                label = (f'<text x="{bx + _PAD}" y="{y + 16}" font-size="{_NAME_PX}" font-weight="bold">'
                         f"{escape(name)}</text>")
                target = href(c) if c != NO_DOMAIN else None
                out.append(f"<a href={quoteattr(target)}>{label}</a>" if target else label)
                for k, (text, linked, linked_text) in enumerate(lines(c)):
                    ly = y + _HEAD + _ROW * k + 12
                    link = href(linked) if linked else None
                    if link and linked_text and text.endswith(linked_text):
                        head = text[: len(text) - len(linked_text)]
                        out.append(f'<text x="{bx + _PAD}" y="{ly}" font-size="{_LINE_PX}">{escape(head)}'
                                   f'<a href={quoteattr(link)}><tspan fill="#1a4f9c">{escape(linked_text)}</tspan></a>'
                                   f"</text>")
                    else:
                        out.append(f'<text x="{bx + _PAD}" y="{ly}" font-size="{_LINE_PX}">{escape(text)}</text>')
                y += bh + _GAP
            y += _GAP
        x += col_width + _COLUMN_GAP
    total_w = x - _COLUMN_GAP + _MARGIN
    total_h = _MARGIN + _LEGEND + max(tall) + _MARGIN
    ours = sum(1 for c in data["classes"] if c.startswith(EKG))
    legend = [
        f'<text x="{_MARGIN}" y="{_MARGIN + 14}" font-size="14" font-weight="bold">'
        f"{ours} classes of the ontology, {len(data['classes']) - ours} reused, and their object properties</text>",
        f'<path d="M{_MARGIN + 5} {_MARGIN + 24} L{_MARGIN} {_MARGIN + 34} H{_MARGIN + 10} Z" '
        'fill="#fff" stroke="#666"/>',
        f'<text x="{_MARGIN + 16}" y="{_MARGIN + 34}" font-size="12">below a class: its subclasses;'
        f" in a class: its object properties, property \u2192 range</text>",
    ]
    return "".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{int(total_w)}" height="{int(total_h)}" '
        f'viewBox="0 0 {int(total_w)} {int(total_h)}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" '
        f'role="img" aria-label="Class diagram of the ontology">\n',
        "<title>Class diagram of the ontology</title>\n",
        f'<rect x="0" y="0" width="{int(total_w)}" height="{int(total_h)}" fill="#ffffff"/>\n',
        "\n".join(legend), "\n", "\n".join(out), "\n</svg>\n"])
