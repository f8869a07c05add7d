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
