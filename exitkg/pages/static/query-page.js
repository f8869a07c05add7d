(function () {
  // The query page of exitkg serve: YASGUI (static/yasgui/, shipped with the package) on this
  // server's /query, the canned queries with a form for their parameters, results' identifiers
  // linked to their pages here, downloads as CSV and JSON. Nothing is fetched from elsewhere.
  const queries = JSON.parse(document.getElementById('queries').textContent);
  const page = JSON.parse(document.getElementById('page').textContent);
  const endpoint = new URL('query', document.baseURI).href;
  const status = document.getElementById('status');
  const fields = document.getElementById('fields');
  const canned = document.getElementById('canned');
  const say = (text, error) => { status.textContent = text; status.className = error ? 'error' : ''; };

  const yasgui = new Yasgui(document.getElementById('yasgui'), {
    requestConfig: {endpoint: endpoint, method: 'POST'},
    copyEndpointOnNewTab: true,
    persistenceId: null,
    populateFromUrl: false,
    endpointCatalogueOptions: {getData: () => [{endpoint: endpoint}]},
    yasqe: {value: page.prologue + '\nSELECT * WHERE { ?s ?p ?o } LIMIT 10', autocompleters: ['variables'],
      persistenceId: null},
    yasr: {persistenceId: null, prefixes: page.prefixes},
  });
  const tab = () => yasgui.getTab();

  // an identifier this server answers (the project's id/ and ontology IRIs) links to its page here
  const local = (iri) => page.local.some((path) => iri.startsWith(page.base + path))
    ? new URL(iri.slice(page.base.length), document.baseURI).href : null;
  const relink = (root) => {
    for (const a of root.querySelectorAll('a.iri')) {
      const here = local(a.getAttribute('href') || '');
      if (here) { a.href = here; a.target = '_self'; a.removeAttribute('ref'); }
    }
  };
  new MutationObserver(() => relink(document.getElementById('yasgui')))
    .observe(document.getElementById('yasgui'), {childList: true, subtree: true});

  // the number of rows, once the results are drawn
  yasgui.on('query', (_, t) => {
    t.getYasr().once('drawn', () => {
      const results = t.getYasr().results;
      const rows = results && results.getBindings ? (results.getBindings() || []).length : 0;
      say(rows + ' rows');
      status.dataset.rows = String(rows);
    });
  });

  // the form: one field for each declared parameter of the chosen canned query
  const form = (q) => {
    fields.textContent = '';
    for (const p of (q ? q.params : [])) {
      const row = document.createElement('p');
      const label = document.createElement('label');
      label.htmlFor = 'param-' + p.name;
      label.textContent = p.name + ' (' + p.type + (p.required ? ', required' : ', default ' + p.default) + ')';
      let input;
      if (p.choices.length) {
        input = document.createElement('select');
        if (!p.required) input.add(new Option('(default: ' + p.default + ')', ''));
        else input.add(new Option('', ''));
        for (const c of p.choices) input.add(new Option(c, c));
      } else {
        input = document.createElement('input');
        input.type = 'text';
        input.placeholder = p.example ? 'for example ' + p.example : (p.required ? '' : 'default ' + p.default);
      }
      input.id = 'param-' + p.name;
      input.name = p.name;
      input.required = p.required;
      row.append(label, ' ', input);
      if (p.doc) { const doc = document.createElement('small'); doc.textContent = ' ' + p.doc; row.append(doc); }
      fields.appendChild(row);
    }
  };
  canned.addEventListener('change', () => {
    const q = queries.find((x) => x.id === canned.value);
    form(q);
    if (q) { tab().setQuery(q.text); tab().setName(q.id); }
  });

  // a canned query's parameters are bound by the server (/bind/ID), as terms of their declared
  // type: the text typed here never enters the query as text
  const bound = async () => {
    const q = queries.find((x) => x.id === canned.value);
    if (!q) return tab().getQuery();
    const missing = q.params.filter((p) => p.required && !document.getElementById('param-' + p.name).value.trim());
    if (missing.length) throw new Error('fill in ' + missing.map((p) => p.name).join(', ') + ' first: the query needs it');
    const values = new URLSearchParams();
    for (const p of q.params) {
      const value = document.getElementById('param-' + p.name).value.trim();
      if (value) values.append(p.name, value);
    }
    const response = await fetch('bind/' + encodeURIComponent(q.id) + '?' + values.toString());
    if (!response.ok) throw new Error(await response.text());
    const text = await response.text();
    tab().setQuery(text);
    return text;
  };

  document.getElementById('params').addEventListener('submit', async (e) => {
    e.preventDefault();
    delete status.dataset.rows;
    try {
      await bound();
    } catch (error) { say(error.message, true); return; }
    say('running');
    tab().query();
  });

  const download = async (accept, extension) => {
    let text;
    try { text = await bound(); } catch (error) { say(error.message, true); return; }
    const response = await fetch(endpoint, {method: 'POST', body: new URLSearchParams({query: text}),
      headers: {'Content-Type': 'application/x-www-form-urlencoded', 'Accept': accept}});
    if (!response.ok) { say('error ' + response.status + ': ' + await response.text(), true); return; }
    const a = document.getElementById('download') || document.body.appendChild(document.createElement('a'));
    a.id = 'download';
    a.hidden = true;
    a.href = URL.createObjectURL(await response.blob());
    a.download = (canned.value || 'query') + '.' + extension;
    a.click();
    say('downloaded ' + a.download);
  };
  document.getElementById('csv').addEventListener('click', () => download('text/csv', 'csv'));
  document.getElementById('json').addEventListener('click', () => download('application/sparql-results+json', 'json'));
})();
