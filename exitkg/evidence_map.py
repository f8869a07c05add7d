"""``exitkg map``: the evidence map, one self-contained HTML file.

Two views of the same evidence: Figure 2 as a level x role grid of the factors (as the review
classifies them), and a factor x study matrix of the findings. Every factor shows the direction
its findings give, whether that agrees with the review's classification (the statuses of the
``controversy-vs-review`` query: confirmed, evidence-only, review-only, consistent, no-finding),
and how many of its findings rest on a curator inference. Clicking a factor lists its findings
with study, population, quote and locator.

Filters (source layer, design, country, age group, cited evidence, stated only) recompute which
factors are controversial in the page, with the rules of the ``controversy-on-subset`` query: a
finding is kept when it belongs to the source asked for (the review's results, its discussion, a
study curated later), when its study has the design and the age group asked for, when its sample (or the named
population it is about) is from the country asked for, and, with "stated only", when neither its
link to the factor nor the characteristic it is filtered on is a curator inference. Cited
evidence (works the review only cites) has no study, so it counts only when no design, country
or age group is asked for.

The page needs no network: its data, styles and script are inline, and it works from the file
system. It is byte-identical from run to run.
"""

from __future__ import annotations

import json
from html import escape

from exitkg.errors import QueryError
from exitkg.namespaces import EKG

_PREFIXES = """PREFIX ekg: <https://w3id.org/exitkg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""

_REVIEWS = _PREFIXES + """SELECT ?review ?name WHERE { ?review a ekg:Review OPTIONAL { ?review rdfs:label ?name } } ORDER BY ?review"""

_CLASSIFICATIONS = _PREFIXES + """
SELECT ?review ?factor ?label ?level ?role ?printed WHERE {
  ?c a ekg:FactorClassification ; ekg:classifies ?factor ; ekg:level ?level ; ekg:role ?role ; ekg:inSource ?src .
  ?src ekg:encodes ?review .
  ?factor skos:prefLabel ?label .
  OPTIONAL { ?c ekg:figureLabel ?printed }
}"""

_ASSERTIONS = _PREFIXES + """
SELECT ?a ?kind ?factor ?stated ?absence ?src ?study ?work ?population ?quote ?section ?link WHERE {
  ?a ekg:aboutFactor ?factor ; ekg:statedRole ?stated ; ekg:aboutAbsence ?absence ; ekg:inSource ?src .
  { ?a a ekg:Finding BIND("finding" AS ?kind) } UNION { ?a a ekg:CitedEvidence BIND("cited" AS ?kind) }
  OPTIONAL { ?a ekg:fromStudy ?study }
  OPTIONAL { ?a ekg:fromWork ?work }
  OPTIONAL { ?a ekg:population ?population }
  OPTIONAL { ?a ekg:quote ?quote }
  OPTIONAL { ?a ekg:locatedIn ?s . ?s rdfs:label ?section }
  OPTIONAL { ?a ekg:factorLinkProvenance ?link }
}"""

_CHARACTERISTICS = _PREFIXES + """
SELECT ?study ?what ?value ?provenance WHERE {
  ?study ekg:hasCharacteristic ?c .
  ?c ekg:provenance ?provenance .
  { ?c ekg:design ?value BIND("design" AS ?what) } UNION { ?c ekg:ageGroup ?value BIND("age" AS ?what) }
  UNION { ?c ekg:country ?value BIND("country" AS ?what) }
}"""

_POPULATIONS = _PREFIXES + """
SELECT ?population ?title ?country ?provenance WHERE {
  ?population a ekg:Population ; ekg:country ?country ; ekg:provenance ?provenance .
  OPTIONAL { ?population dcterms:title ?title }
}"""

_DOCUMENTS = _PREFIXES + """
SELECT ?doc ?authors ?year ?title WHERE {
  { ?doc a ekg:Study } UNION { ?e ekg:fromWork ?doc }
  OPTIONAL { ?doc ekg:authorsAsPrinted ?authors } OPTIONAL { ?doc ekg:year ?year } OPTIONAL { ?doc dcterms:title ?title }
}"""

_LABELS = _PREFIXES + """SELECT ?x ?label WHERE { VALUES ?class { ekg:StudyDesign ekg:AgeGroup ekg:Country }
  ?x a ?class ; skos:prefLabel ?label }"""

LEVELS = ("individualLevel", "relationalLevel", "structuralLevel")
ROLES = ("facilitating", "hindering", "controversial")
INFERRED = EKG + "CuratorInference"


def _slug(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _short(authors: str, year: str, fallback: str) -> str:
    names = [a.split(",")[0].strip() for a in authors.split(";") if a.strip()]
    if not names:
        return fallback
    lead = names[0] if len(names) == 1 else " & ".join(names) if len(names) == 2 else f"{names[0]} et al."
    return f"{lead} {year}".strip()


def map_data(graph, review: str | None = None, link=None) -> dict:
    """What the page shows, as plain data (the page embeds it as JSON). With *link* (identifier ->
    address of its page, or None), factors, studies and assertions carry the address of their page."""
    def rows(text):
        return graph.run(text).rows

    def v(row, key):
        term = row.get(key)
        return None if term is None else term.value

    reviews = [(v(r, "review"), v(r, "name") or _slug(v(r, "review"))) for r in rows(_REVIEWS)]
    if not reviews:
        raise QueryError("no review in the graph: nothing to map")
    if review is not None:
        reviews = [r for r in reviews if r[0] == review or _slug(r[0]) == review]
        if not reviews:
            raise QueryError(f"no review {review!r} in the graph")
    review_iri, review_name = reviews[0]

    labels = {v(r, "x"): v(r, "label") for r in rows(_LABELS)}
    factors: dict[str, dict] = {}
    for r in rows(_CLASSIFICATIONS):
        factor = _slug(v(r, "factor"))
        entry = factors.setdefault(factor, {"id": factor, "label": v(r, "label"), "level": None, "role": None,
                                            "printed": None})
        if v(r, "review") == review_iri:
            entry.update(level=_slug(v(r, "level")), role=_slug(v(r, "role")), printed=v(r, "printed"))
        if link is not None:
            entry["page"] = link(v(r, "factor"))

    chars: dict[str, dict[str, list]] = {}
    for r in rows(_CHARACTERISTICS):
        value = _slug(v(r, "value"))
        bucket = chars.setdefault(v(r, "study"), {"design": [], "age": [], "country": []})[v(r, "what")]
        item = [value, v(r, "provenance") == INFERRED]
        if item not in bucket:
            bucket.append(item)
    populations = {v(r, "population"): {"title": v(r, "title") or _slug(v(r, "population")),
                                        "country": [[_slug(v(r, "country")), v(r, "provenance") == INFERRED]]}
                   for r in rows(_POPULATIONS)}
    documents = {v(r, "doc"): _short(v(r, "authors") or "", v(r, "year") or "", _slug(v(r, "doc")))
                 for r in rows(_DOCUMENTS)}

    assertions, studies = [], {}
    for r in rows(_ASSERTIONS):
        factor = _slug(v(r, "factor"))
        if factor not in factors:
            factors[factor] = {"id": factor, "label": factor, "level": None, "role": None, "printed": None}
            if link is not None:
                factors[factor]["page"] = link(v(r, "factor"))
        stated = _slug(v(r, "stated"))
        absence = v(r, "absence") == "true"
        direction = ({"facilitating": "hindering", "hindering": "facilitating"}[stated] if absence else stated)
        study, work, population = v(r, "study"), v(r, "work"), v(r, "population")
        own = chars.get(study, {"design": [], "age": [], "country": []})
        if study:
            studies[_slug(study)] = {"id": _slug(study), "label": documents.get(study, _slug(study)),
                                     "design": own["design"], "age": own["age"], "country": own["country"]}
            if link is not None:
                studies[_slug(study)]["page"] = link(study)
        assertions.append({
            "id": v(r, "a"), "kind": v(r, "kind"), "factor": factor, "direction": direction, "stated": stated,
            "absence": absence, "source": _slug(v(r, "src")),
            "study": _slug(study) if study else None, "work": documents.get(work, _slug(work)) if work else None,
            "population": populations[population]["title"] if population in populations else None,
            "design": own["design"], "age": own["age"],
            "country": populations[population]["country"] if population in populations else own["country"],
            "quote": v(r, "quote") or "", "section": v(r, "section") or "",
            "linkInferred": v(r, "link") == INFERRED,
        })
        if link is not None:
            assertions[-1]["page"] = link(v(r, "a"))
    assertions.sort(key=lambda a: (a["factor"], a["study"] or "", a["work"] or "", a["id"]))

    def values(key):
        found = sorted({item[0] for a in assertions for item in a[key]})
        return [[x, labels.get(EKG + x) or labels.get(f"https://w3id.org/exitkg/id/country/{x}") or x] for x in found]

    order = {lv: i for i, lv in enumerate(LEVELS)}
    role_order = {ro: i for i, ro in enumerate(ROLES)}
    return {
        "review": {"iri": review_iri, "name": review_name},
        "levels": list(LEVELS), "roles": list(ROLES),
        "factors": sorted(factors.values(), key=lambda f: (order.get(f["level"], 9), role_order.get(f["role"], 9),
                                                          f["label"].lower())),
        "studies": sorted(studies.values(), key=lambda s: s["label"].lower()),
        "assertions": assertions,
        "filters": {"design": values("design"), "country": values("country"), "age": values("age"),
                    "source": [[_slug(iri), title or _slug(iri)] for iri, title in sorted(graph.sources().items())
                               if any(a["source"] == _slug(iri) for a in assertions)]},
    }


_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:1.2rem;color:#222;max-width:1400px}
nav{margin-bottom:.6rem} nav a{margin-right:1rem}
h1{font-size:1.35rem;margin:0 0 .3rem} h2{font-size:1.1rem;margin:1.4rem 0 .5rem}
.note{color:#555;font-size:.9rem;max-width:60rem}
#filters{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;background:#f5f5f5;padding:.6rem .8rem;border-radius:6px;margin:.8rem 0}
#filters label{font-size:.9rem}
table.grid{border-collapse:collapse;width:100%}
table.grid th,table.grid td{border:1px solid #bbb;padding:.4rem;vertical-align:top}
table.grid th{background:#eee}
td.role-facilitating,th.role-facilitating{background:#eef7ef} td.role-hindering,th.role-hindering{background:#fbeeed}
td.role-controversial,th.role-controversial{background:#fdf6e3}
.chip{display:inline-block;margin:.15rem;padding:.15rem .45rem;border-radius:10px;border:1px solid #999;background:#fff;cursor:pointer;font-size:.85rem}
.chip.status-confirmed{border-color:#9a6a07;background:#fcf0d2}
.chip.status-evidence-only{border:2px solid #b8420f;background:#ffe3d3}
.chip.status-review-only{border:2px dashed #9a6a07}
.chip.status-no-finding{color:#777;border-style:dotted}
.chip.selected{outline:3px solid #2456a6}
.badge{font-size:.7rem;color:#fff;background:#777;border-radius:6px;padding:0 .3rem;margin-left:.25rem}
.dir{font-weight:bold;margin-left:.2rem}
#controversial li{margin:.15rem 0}
.matrix-wrap{overflow:auto;max-height:36rem;border:1px solid #ccc}
table.matrix{border-collapse:collapse;font-size:.8rem}
table.matrix th,table.matrix td{border:1px solid #ddd;padding:.2rem .35rem;text-align:center;white-space:nowrap}
table.matrix th.factor{text-align:left;cursor:pointer;position:sticky;left:0;background:#fff}
table.matrix thead th{position:sticky;top:0;background:#f2f2f2}
td.facilitating{background:#cfe9d2} td.hindering{background:#f4cdca} td.both{background:#f6e0a6}
td.inferred sup{color:#555;font-size:.65rem;margin-left:.1rem}
td.excluded{opacity:.35}
#details table{border-collapse:collapse;width:100%;font-size:.88rem}
#details th,#details td{border:1px solid #ddd;padding:.3rem;text-align:left;vertical-align:top}
#details tr.excluded{color:#999}
.legend span{margin-right:1rem}
"""

_SCRIPT = r"""
(function () {
  const D = JSON.parse(document.getElementById('map-data').textContent);
  const $ = (id) => document.getElementById(id);
  const state = {source: '', design: '', country: '', age: '', cited: false, stated: false, selected: null};
  const label = (key, id) => ((D.filters[key].find((x) => x[0] === id) || [id, id])[1]);

  function matches(items, value) {
    return items.some((it) => it[0] === value && (!state.stated || !it[1]));
  }
  function keep(a) {
    if (state.source && a.source !== state.source) return false;
    if (state.stated && a.linkInferred) return false;
    if (a.kind === 'cited') {
      return state.cited && !state.design && !state.country && !state.age;
    }
    if (state.design && !matches(a.design, state.design)) return false;
    if (state.age && !matches(a.age, state.age)) return false;
    if (state.country && !matches(a.country, state.country)) return false;
    return true;
  }
  function summary() {
    const out = {};
    for (const f of D.factors) out[f.id] = {fac: 0, hin: 0, inferred: 0, total: 0};
    for (const a of D.assertions) {
      if (!keep(a)) continue;
      const s = out[a.factor];
      s.total += 1;
      if (a.direction === 'facilitating') s.fac += 1; else s.hin += 1;
      if (a.linkInferred) s.inferred += 1;
    }
    for (const f of D.factors) {
      const s = out[f.id];
      const both = s.fac > 0 && s.hin > 0;
      s.direction = s.total === 0 ? 'none' : both ? 'both' : s.fac > 0 ? 'facilitating' : 'hindering';
      s.status = s.total === 0 ? 'no-finding' : both && f.role === 'controversial' ? 'confirmed'
        : both ? 'evidence-only' : f.role === 'controversial' ? 'review-only' : 'consistent';
    }
    return out;
  }
  const arrow = {facilitating: '+', hindering: '\u2212', both: '\u00b1', none: ''};

  function chip(f, s) {
    const el = document.createElement('span');
    el.className = 'chip status-' + s.status + (state.selected === f.id ? ' selected' : '');
    el.dataset.factor = f.id;
    el.title = f.label + ': ' + s.status + ' (' + s.fac + ' facilitating, ' + s.hin + ' hindering)';
    el.textContent = f.printed || f.label;
    const dir = document.createElement('span');
    dir.className = 'dir';
    dir.textContent = arrow[s.direction];
    el.appendChild(dir);
    if (s.inferred) {
      const b = document.createElement('span');
      b.className = 'badge';
      b.title = s.inferred + ' of ' + s.total + ' findings linked to the factor by the curators (I)';
      b.textContent = 'I ' + s.inferred + '/' + s.total;
      el.appendChild(b);
    }
    el.addEventListener('click', () => select(f.id));
    return el;
  }

  function renderGrid(S) {
    for (const role of D.roles) for (const level of D.levels) {
      const cell = $('cell-' + role + '-' + level);
      cell.textContent = '';
      for (const f of D.factors) if (f.role === role && f.level === level) cell.appendChild(chip(f, S[f.id]));
    }
  }
  function renderControversial(S) {
    const ul = $('controversial');
    ul.textContent = '';
    const names = D.factors.filter((f) => S[f.id].direction === 'both');
    for (const f of names) {
      const li = document.createElement('li');
      li.dataset.factor = f.id;
      li.textContent = f.label + ' (' + S[f.id].fac + ' facilitating, ' + S[f.id].hin + ' hindering; ' + S[f.id].status + ')';
      ul.appendChild(li);
    }
    $('controversial-count').textContent = String(names.length);
  }
  function renderMatrix() {
    const body = $('matrix-body');
    body.textContent = '';
    for (const f of D.factors) {
      const rows = D.assertions.filter((a) => a.factor === f.id && a.kind === 'finding');
      if (!rows.length) continue;
      const tr = document.createElement('tr');
      const th = document.createElement('th');
      th.className = 'factor';
      th.textContent = f.label;
      th.addEventListener('click', () => select(f.id));
      tr.appendChild(th);
      for (const st of D.studies) {
        const td = document.createElement('td');
        const here = rows.filter((a) => a.study === st.id);
        const kept = here.filter(keep);
        const dirs = new Set(kept.map((a) => a.direction));
        const d = dirs.size === 2 ? 'both' : dirs.size === 1 ? [...dirs][0] : 'none';
        td.className = (d === 'none' ? '' : d) + (kept.some((a) => a.linkInferred) ? ' inferred' : '') +
          (here.length && !kept.length ? ' excluded' : '');
        td.textContent = here.length ? (kept.length ? arrow[d] : '\u00b7') : '';
        if (kept.some((a) => a.linkInferred)) {
          const sup = document.createElement('sup'); sup.textContent = 'I'; td.appendChild(sup);
        }
        if (here.length) td.title = st.label + ': ' + here.length + ' finding(s)';
        tr.appendChild(td);
      }
      body.appendChild(tr);
    }
  }
  function renderDetails() {
    const box = $('details');
    box.textContent = '';
    if (!state.selected) { box.textContent = 'Click a factor to see its evidence.'; return; }
    const f = D.factors.find((x) => x.id === state.selected);
    const h = document.createElement('h3');
    if (f.page) {
      const a = document.createElement('a'); a.href = f.page; a.id = 'details-page'; a.textContent = f.label;
      h.appendChild(a);
    }
    h.appendChild(document.createTextNode((f.page ? '' : f.label) + (f.role ? ' \u2014 classified by the review as ' + f.role + ', ' + (f.level || '').replace('Level', ' level') : '')));
    box.appendChild(h);
    const table = document.createElement('table');
    table.id = 'details-table';
    const head = table.insertRow();
    for (const t of ['direction', 'evidence', 'population', 'quote', 'where', 'source', 'link']) {
      const th = document.createElement('th'); th.textContent = t; head.appendChild(th);
    }
    for (const a of D.assertions.filter((x) => x.factor === f.id)) {
      const tr = table.insertRow();
      tr.className = 'assertion' + (keep(a) ? '' : ' excluded');
      const study = a.study ? (D.studies.find((s) => s.id === a.study) || {label: a.study}).label : a.work + ' (cited)';
      const cells = [a.direction + (a.absence ? ' (its absence ' + a.stated + ')' : ''), study, a.population || '',
        '\u201c' + a.quote + '\u201d', a.section, a.source, a.linkInferred ? 'I (curators)' : 'R (stated)'];
      cells.forEach((c, i) => {
        const td = tr.insertCell();
        if (i === 1 && a.page) {
          const link = document.createElement('a'); link.href = a.page; link.textContent = c; td.appendChild(link);
        } else {
          td.textContent = c;
        }
      });
    }
    box.appendChild(table);
  }
  function select(id) { state.selected = id; render(); }
  function render() {
    const S = summary();
    renderGrid(S); renderControversial(S); renderMatrix(); renderDetails();
  }
  function fill(id, key) {
    const sel = $(id);
    for (const [value, name] of D.filters[key]) {
      const o = document.createElement('option'); o.value = value; o.textContent = name; sel.appendChild(o);
    }
    sel.addEventListener('change', () => { state[key] = sel.value; render(); });
  }
  fill('f-source', 'source'); fill('f-design', 'design'); fill('f-country', 'country'); fill('f-age', 'age');
  $('f-cited').addEventListener('change', (e) => { state.cited = e.target.checked; render(); });
  $('f-stated').addEventListener('change', (e) => { state.stated = e.target.checked; render(); });
  render();
  document.body.dataset.ready = 'true';
})();
"""


#: what JSON may hold and the text of an HTML <script> may not: ``<`` (``</script>`` ends the
#: element, ``<!--<script>`` makes the parser read past the end), ``>``, ``&`` and the line
#: separators JavaScript once read as line ends
_SCRIPT_UNSAFE = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
                  0x2028: "\\u2028", 0x2029: "\\u2029"}


def script_json(data) -> str:
    """*data* as JSON to put inside an HTML ``<script>`` element whatever its strings hold: those
    characters are written as JSON escapes (``\\u003c``), which read back the same."""
    return json.dumps(data, ensure_ascii=True, sort_keys=True, separators=(",", ":")).translate(_SCRIPT_UNSAFE)


def render_map(graph, review: str | None = None, *, nav: str = "", link=None) -> str:
    """The evidence map of *review* (default: the first review of the graph) as one HTML page.
    *nav* is HTML put at the top; *link* (identifier -> address of its page) links factors,
    studies and findings to their pages (as in the site)."""
    data = map_data(graph, review, link)
    name = escape(data["review"]["name"])
    studies = "".join(f'<th title="{escape(s["id"])}">'
                      + (f'<a href="{escape(s["page"])}">{escape(s["label"])}</a>' if s.get("page") else escape(s["label"]))
                      + "</th>" for s in data["studies"])
    grid_head = "".join(f"<th>{escape(level.replace('Level', ' level').capitalize())}</th>" for level in LEVELS)
    grid_rows = "".join(
        f'<tr><th class="role-{role}">{role.capitalize()}</th>'
        + "".join(f'<td class="role-{role}" id="cell-{role}-{level}"></td>' for level in LEVELS) + "</tr>"
        for role in ROLES)
    payload = script_json(data)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Evidence map: {name}</title>
<style>{_STYLE}</style>
</head>
<body>
{nav}<h1>Evidence map: what helps and what hinders leaving sex trafficking, after {name}</h1>
<p class="note">Each factor sits where the review classifies it. Its mark gives the direction of its
findings (+ facilitating, &#8722; hindering, &#177; both; &#183; in the matrix: findings the filters leave
out); its border whether the findings agree with the
review's classification (orange: controversial by the evidence but not in the review; dashed:
controversial in the review but not by the evidence; dotted: no finding). "I" counts findings linked
to the factor by the curators, not the review's words. Filters recompute everything.</p>
<div id="filters">
<label>Source <select id="f-source"><option value="">any</option></select></label>
<label>Design <select id="f-design"><option value="">any</option></select></label>
<label>Country <select id="f-country"><option value="">any</option></select></label>
<label>Age group <select id="f-age"><option value="">any</option></select></label>
<label><input type="checkbox" id="f-cited"> with evidence the review only cites</label>
<label><input type="checkbox" id="f-stated"> stated only (no curator inferences)</label>
</div>
<h2>Figure 2: factors by level and role</h2>
<table class="grid"><thead><tr><th></th>{grid_head}</tr></thead><tbody>{grid_rows}</tbody></table>
<h2>Controversial by the evidence kept (<span id="controversial-count"></span>)</h2>
<ul id="controversial"></ul>
<h2>Evidence of the selected factor</h2>
<div id="details"></div>
<h2>Factors by study</h2>
<div class="matrix-wrap"><table class="matrix"><thead><tr><th class="factor">factor</th>{studies}</tr></thead>
<tbody id="matrix-body"></tbody></table></div>
<script type="application/json" id="map-data">{payload}</script>
<script>{_SCRIPT}</script>
</body>
</html>
"""
