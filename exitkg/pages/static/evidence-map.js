(function () {
  const D = JSON.parse(document.getElementById('map-data').textContent);
  const $ = (id) => document.getElementById(id);
  // the default view: every source, no restriction, the evidence the review only cites included (as
  // the report counts it), cells sized by studies; the state differing from it lives in the URL's fragment
  const DEFAULTS = {source: '', design: '', country: '', age: '', cited: true, stated: false, size: 'studies',
    selected: null};
  const state = Object.assign({}, DEFAULTS);
  const SELECTS = {source: 'f-source', design: 'f-design', country: 'f-country', age: 'f-age'};
  const label = (key, id) => ((D.filters[key].find((x) => x[0] === id) || [id, id])[1]);
  const factorById = {};
  for (const f of D.factors) factorById[f.id] = f;
  const studyById = {};
  for (const s of D.studies) studyById[s.id] = s;

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
  // the population-aware status, by the one definition (docs/queries.md#population-specific, the
  // query controversial-by-evidence with population_aware=true): an assertion restricted to a named
  // population applies to its country, any other finding to every country of its study's sample,
  // one that no country places to every population. Controversial when the assertions kept go both
  // ways; then contested when some population has both directions (or an assertion applies to
  // every population), population-specific otherwise.
  function populationStatus(kept) {
    const places = {};
    let fac = false, hin = false, everywhere = false;
    for (const a of kept) {
      const bit = a.direction === 'facilitating' ? 1 : 2;
      if (bit === 1) fac = true; else hin = true;
      const where = a.country.map((c) => c[0]);
      if (!where.length) everywhere = true;
      for (const c of where) places[c] = (places[c] || 0) | bit;
    }
    if (!(fac && hin)) return 'not controversial';
    return everywhere || Object.values(places).some((bits) => bits === 3) ? 'contested' : 'population-specific';
  }
  // participants: one size per unit (the named population a finding is restricted to, or its study)
  function participants(findings) {
    const units = {};
    for (const a of findings) if (a.unit) units[a.unit] = a.n;
    const sized = Object.values(units).filter((n) => n !== null && n !== undefined);
    return {n: sized.reduce((x, y) => x + y, 0), sized: sized.length, units: Object.keys(units).length};
  }
  function summary() {
    const out = {};
    const kept = {};
    for (const f of D.factors) kept[f.id] = [];
    for (const a of D.assertions) if (keep(a)) kept[a.factor].push(a);
    for (const f of D.factors) {
      const list = kept[f.id];
      const s = {fac: 0, hin: 0, inferred: 0, total: list.length, studies: new Set()};
      for (const a of list) {
        if (a.direction === 'facilitating') s.fac += 1; else s.hin += 1;
        if (a.linkInferred) s.inferred += 1;
        if (a.study) s.studies.add(a.study);
      }
      const both = s.fac > 0 && s.hin > 0;
      s.direction = s.total === 0 ? 'none' : both ? 'both' : s.fac > 0 ? 'facilitating' : 'hindering';
      // against the review's classification (the statuses of controversy-vs-review)
      s.versus = s.total === 0 ? 'no-finding' : both && f.role === 'controversial' ? 'confirmed'
        : both ? 'evidence-only' : f.role === 'controversial' ? 'review-only' : 'consistent';
      s.status = populationStatus(list);
      s.participants = participants(list.filter((a) => a.kind === 'finding'));
      out[f.id] = s;
    }
    return out;
  }
  const arrow = {facilitating: '+', hindering: '\u2212', both: '\u00b1', none: ''};
  const STATUS_MARK = {'contested': 'contested', 'population-specific': 'by population'};

  // --- the state in the URL: the fragment holds what differs from the default view
  function fromUrl() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ''));
    Object.assign(state, DEFAULTS);
    for (const key of Object.keys(SELECTS)) {
      const value = params.get(key);
      if (value && D.filters[key].some((x) => x[0] === value)) state[key] = value;
    }
    if (params.has('cited')) state.cited = params.get('cited') !== '0';
    if (params.has('stated')) state.stated = params.get('stated') === '1';
    if (params.get('size') === 'participants') state.size = 'participants';
    const f = params.get('factor');
    if (f && factorById[f]) state.selected = f;
  }
  function toUrl() {
    const params = new URLSearchParams();
    for (const key of Object.keys(SELECTS)) if (state[key]) params.set(key, state[key]);
    if (state.cited !== DEFAULTS.cited) params.set('cited', state.cited ? '1' : '0');
    if (state.stated !== DEFAULTS.stated) params.set('stated', state.stated ? '1' : '0');
    if (state.size !== DEFAULTS.size) params.set('size', state.size);
    if (state.selected) params.set('factor', state.selected);
    const text = params.toString();
    const url = location.href.replace(/#.*$/, '') + (text ? '#' + text : '');
    if (url === location.href) return;
    try {
      history.replaceState(null, '', url);
    } catch (e) {
      location.replace(url);
    }
  }
  function showState() {
    for (const [key, id] of Object.entries(SELECTS)) $(id).value = state[key];
    $('f-cited').checked = state.cited;
    $('f-stated').checked = state.stated;
    for (const box of document.querySelectorAll('input[name="f-size"]')) box.checked = box.value === state.size;
  }
  function filtered() {
    return Object.keys(SELECTS).some((k) => state[k]) || state.cited !== DEFAULTS.cited || state.stated !== DEFAULTS.stated;
  }

  function chip(f, s) {
    const el = document.createElement('span');
    el.className = 'chip versus-' + s.versus + ' status-' + s.status.replace(' ', '-') +
      (state.selected === f.id ? ' selected' : '');
    el.dataset.factor = f.id;
    el.dataset.status = s.status;
    el.title = f.label + ': ' + s.status + ' (' + s.fac + ' facilitating, ' + s.hin + ' hindering; ' +
      s.studies.size + ' studies; against the review: ' + s.versus + ')';
    el.textContent = f.printed || f.label;
    const dir = document.createElement('span');
    dir.className = 'dir';
    dir.textContent = arrow[s.direction];
    el.appendChild(dir);
    if (STATUS_MARK[s.status]) {
      const m = document.createElement('span');
      m.className = 'pa';
      m.textContent = STATUS_MARK[s.status];
      el.appendChild(m);
    }
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

  // the studies (or participants) behind the findings kept of some factors: a count and its text
  function count(factors) {
    const ids = new Set(factors.map((f) => f.id));
    const findings = D.assertions.filter((a) => a.kind === 'finding' && ids.has(a.factor) && keep(a));
    if (state.size === 'participants') {
      const p = participants(findings);
      return p.sized ? p.n + ' participants' : '\u2013 participants';
    }
    const n = new Set(findings.map((a) => a.study)).size;
    return n + (n === 1 ? ' study' : ' studies');
  }
  function total(el, factors) {
    el.textContent = '';
    const span = document.createElement('span');
    span.className = 'count';
    span.textContent = count(factors);
    el.appendChild(span);
  }
  function renderGrid(S) {
    const placed = D.factors.filter((f) => f.role && f.level);
    for (const role of D.roles) for (const level of D.levels) {
      const cell = $('cell-' + role + '-' + level);
      const here = placed.filter((f) => f.role === role && f.level === level);
      total(cell, here);
      for (const f of here) cell.appendChild(chip(f, S[f.id]));
    }
    for (const role of D.roles) total($('total-' + role), placed.filter((f) => f.role === role));
    for (const level of D.levels) total($('total-' + level), placed.filter((f) => f.level === level));
    total($('total-grid'), placed);
  }
  function renderControversial(S) {
    const ul = $('controversial');
    ul.textContent = '';
    const names = D.factors.filter((f) => S[f.id].direction === 'both');
    for (const f of names) {
      const li = document.createElement('li');
      li.dataset.factor = f.id;
      li.dataset.status = S[f.id].status;
      li.textContent = f.label + ' (' + S[f.id].fac + ' facilitating, ' + S[f.id].hin + ' hindering; ' +
        S[f.id].status + '; against the review: ' + S[f.id].versus + ')';
      ul.appendChild(li);
    }
    $('controversial-count').textContent = String(names.length);
    $('view').textContent = filtered() ? 'a filtered view: the statuses are recomputed from the evidence kept'
      : 'the default view: every source, cited evidence included, as the report counts it';
  }
  // the largest participants of a cell: bubbles are sized against it (area proportional to the number)
  let largest = 1;
  for (const f of D.factors) for (const st of D.studies) {
    const p = participants(D.assertions.filter((a) => a.factor === f.id && a.study === st.id));
    largest = Math.max(largest, p.n);
  }
  const SMALL = 0.5, BIG = 1.6;  // bubble diameters, in rem
  function bubble(kept, d) {
    const b = document.createElement('span');
    b.className = 'bubble ' + d;
    let diameter = BIG * 0.8;
    if (state.size === 'participants') {
      const p = participants(kept);
      if (p.sized) {
        diameter = SMALL + (BIG - SMALL) * Math.sqrt(p.n / largest);
      } else {
        diameter = SMALL + 0.2;
        b.className += ' unsized';
        b.title = 'sample size not stated';
      }
      b.dataset.n = String(p.n);
    }
    b.style.width = b.style.height = diameter.toFixed(2) + "rem";
    if (diameter >= 0.9) b.textContent = arrow[d];  // too small a bubble holds no sign: its colour says it
    return b;
  }
  function renderMatrix(S) {
    const body = $('matrix-body');
    body.textContent = '';
    const column = {};
    for (const st of D.studies) column[st.id] = {factors: 0};
    const all = [];
    for (const f of D.factors) {
      const rows = D.assertions.filter((a) => a.factor === f.id && a.kind === 'finding');
      if (!rows.length) continue;
      const tr = document.createElement('tr');
      tr.dataset.factor = f.id;
      tr.dataset.status = S[f.id].status;
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
        td.className = (kept.some((a) => a.linkInferred) ? 'inferred' : '') + (here.length && !kept.length ? ' excluded' : '');
        if (kept.length) {
          td.appendChild(bubble(kept, d));
          column[st.id].factors += 1;
          all.push(...kept);
        } else if (here.length) {
          td.textContent = '\u00b7';
        }
        if (kept.some((a) => a.linkInferred)) {
          const sup = document.createElement('sup'); sup.textContent = 'I'; td.appendChild(sup);
        }
        if (here.length) {
          td.title = st.label + ': ' + here.length + ' finding(s), ' + kept.length + ' kept' +
            (st.n ? '; n = ' + st.n : '; sample size not stated');
        }
        tr.appendChild(td);
      }
      const total = document.createElement('td');
      total.className = 'total';
      const s = S[f.id];
      // participants where no sample size is stated: a dash, not a zero
      total.textContent = state.size === 'participants' ? (s.participants.sized ? String(s.participants.n) : '\u2013')
        : String(s.studies.size);
      if (state.size === 'participants') {
        total.title = 'sample sizes stated for ' + s.participants.sized + ' of ' + s.participants.units + ' samples';
      }
      tr.appendChild(total);
      body.appendChild(tr);
    }
    const foot = $('matrix-foot');
    foot.textContent = '';
    const tr = document.createElement('tr');
    const th = document.createElement('th');
    th.className = 'factor';
    th.textContent = state.size === 'participants' ? 'participants (n)' : 'factors per study';
    tr.appendChild(th);
    for (const st of D.studies) {
      const td = document.createElement('td');
      td.className = 'total';
      if (state.size === 'participants') {
        td.textContent = column[st.id].factors ? (st.n === null || st.n === undefined ? '?' : String(st.n)) : '0';
      } else {
        td.textContent = String(column[st.id].factors);
      }
      tr.appendChild(td);
    }
    const corner = document.createElement('td');
    corner.className = 'total';
    corner.id = 'matrix-total';
    corner.textContent = state.size === 'participants' ? String(participants(all).n)
      : String(new Set(all.map((a) => a.study)).size);
    tr.appendChild(corner);
    foot.appendChild(tr);
    $('total-head').textContent = state.size === 'participants' ? 'participants' : 'studies';
  }
  function cell(tr, text, href) {
    const td = tr.insertCell();
    if (href) {
      const link = document.createElement('a'); link.href = href; link.textContent = text; td.appendChild(link);
    } else {
      td.textContent = text;
    }
    return td;
  }
  function renderProfile(box, f) {
    const p = f.profile, c = f.confidence;
    if (!p || !c) return;
    const sec = document.createElement('div');
    sec.id = 'details-profile';
    const status = document.createElement('p');
    status.appendChild(document.createTextNode('Status in the report (the whole graph, cited evidence included): '));
    const b = document.createElement('strong'); b.id = 'details-status'; b.textContent = f.status; status.appendChild(b);
    sec.appendChild(status);
    const dl = document.createElement('table');
    dl.className = 'profile';
    const span = (a, b) => (a === b ? String(a) : a + '\u2013' + b);
    // the profile gives no years when a study states none: the years of those that do, so marked
    const stated = D.assertions.filter((a) => a.factor === f.id && a.year).map((a) => a.year);
    const years = p.first_year ? span(p.first_year, p.last_year)
      : stated.length ? span(Math.min(...stated), Math.max(...stated)) + ' (not every study states its year)' : 'not stated';
    const rows = [
      ['studies', p.studies + (p.cited_works ? ' (and ' + p.cited_works + ' works the review only cites)' : '')],
      ['participants', p.participants + ' (sample sizes stated for ' + p.participants_of + ' samples)'],
      ['statements', p.statements + ': ' + p.facilitating + ' facilitating, ' + p.hindering + ' hindering' +
        (p.agreement === null ? '' : '; agreement ' + Math.round(p.agreement * 100) + '%')],
      ['designs', p.designs.join(', ') || 'not stated'],
      ['countries', p.countries.join(', ') || 'none stated'],
      ['years', years],
      ['inferred by the curators', p.inferred + ' of ' + p.statements + ' statements'],
    ];
    for (const [k, v] of rows) {
      const tr = dl.insertRow();
      const th = document.createElement('th'); th.textContent = k; tr.appendChild(th);
      tr.insertCell().textContent = v;
    }
    sec.appendChild(dl);
    const level = document.createElement('p');
    level.appendChild(document.createTextNode('Confidence: '));
    const lv = document.createElement('strong'); lv.id = 'details-confidence'; lv.textContent = c.level; level.appendChild(lv);
    level.appendChild(document.createTextNode(
      ', computed by exitkg\u2019s rule from what the graph records, after the components of GRADE-CERQual; ' +
      'it is not a CERQual assessment made by reviewers. The reasons:'));
    sec.appendChild(level);
    const ul = document.createElement('ul');
    ul.id = 'details-reasons';
    for (const r of c.reasons) { const li = document.createElement('li'); li.textContent = r; ul.appendChild(li); }
    sec.appendChild(ul);
    if (filtered()) {
      const note = document.createElement('p');
      note.className = 'note';
      note.textContent = 'The profile and the confidence are of all the evidence; the filters grey out the rows they leave out below.';
      sec.appendChild(note);
    }
    box.appendChild(sec);
  }
  function renderDetails(S) {
    const box = $('details');
    box.textContent = '';
    if (!state.selected) { box.textContent = 'Click a factor to see its evidence.'; return; }
    const f = factorById[state.selected];
    const h = document.createElement('h3');
    if (f.page) {
      const a = document.createElement('a'); a.href = f.page; a.id = 'details-page'; a.textContent = f.label;
      h.appendChild(a);
    }
    h.appendChild(document.createTextNode((f.page ? '' : f.label) + (f.role ? ' \u2014 classified by the review as ' + f.role + ', ' + (f.level || '').replace('Level', ' level') : '')));
    box.appendChild(h);
    if (filtered()) {
      const p = document.createElement('p');
      p.textContent = 'Under the filters: ' + S[f.id].status + ' (' + S[f.id].fac + ' facilitating, ' + S[f.id].hin + ' hindering).';
      box.appendChild(p);
    }
    renderProfile(box, f);
    const wrap = document.createElement('div');
    wrap.className = 'scroll';
    const table = document.createElement('table');
    table.id = 'details-table';
    const head = table.insertRow();
    for (const t of ['direction', 'evidence', 'design', 'country', 'n', 'year', 'DOI', 'population', 'quote', 'where',
      'source', 'link']) {
      const th = document.createElement('th'); th.textContent = t; head.appendChild(th);
    }
    for (const a of D.assertions.filter((x) => x.factor === f.id)) {
      const tr = table.insertRow();
      tr.className = 'assertion' + (keep(a) ? '' : ' excluded');
      const study = a.study ? (studyById[a.study] || {label: a.study}).label : a.work + ' (cited)';
      cell(tr, a.direction + (a.absence ? ' (its absence ' + a.stated + ')' : ''));
      cell(tr, study, a.page);
      cell(tr, a.design.map((x) => label('design', x[0]) + (x[1] ? ' (I)' : '')).join(', '));
      cell(tr, a.country.map((x) => label('country', x[0]) + (x[1] ? ' (I)' : '')).join(', '));
      cell(tr, a.n === null || a.n === undefined ? '' : String(a.n));
      cell(tr, a.year ? String(a.year) : '');
      cell(tr, a.doi || '', a.doi ? 'https://doi.org/' + a.doi : null).className = 'doi';
      cell(tr, a.population || '');
      cell(tr, '\u201c' + a.quote + '\u201d');
      cell(tr, a.section);
      cell(tr, a.source);
      cell(tr, a.linkInferred ? 'I (curators)' : 'R (stated)');
    }
    wrap.appendChild(table);
    box.appendChild(wrap);
  }
  function select(id) { state.selected = id; update(); }
  function render() {
    const S = summary();
    renderGrid(S); renderControversial(S); renderMatrix(S); renderDetails(S);
    document.body.dataset.view = filtered() ? 'filtered' : 'default';
  }
  function update() { toUrl(); render(); }
  function fill(id, key) {
    const sel = $(id);
    for (const [value, name] of D.filters[key]) {
      const o = document.createElement('option'); o.value = value; o.textContent = name; sel.appendChild(o);
    }
    sel.addEventListener('change', () => { state[key] = sel.value; update(); });
  }
  fill('f-source', 'source'); fill('f-design', 'design'); fill('f-country', 'country'); fill('f-age', 'age');
  $('f-cited').addEventListener('change', (e) => { state.cited = e.target.checked; update(); });
  $('f-stated').addEventListener('change', (e) => { state.stated = e.target.checked; update(); });
  for (const box of document.querySelectorAll('input[name="f-size"]')) {
    box.addEventListener('change', () => { if (box.checked) { state.size = box.value; update(); } });
  }
  window.addEventListener('hashchange', () => { fromUrl(); showState(); render(); });
  fromUrl();
  showState();
  render();
  document.body.dataset.ready = 'true';
})();
