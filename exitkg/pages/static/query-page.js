(function () {
  const queries = JSON.parse(document.getElementById('queries').textContent);
  const q = document.getElementById('query');
  document.getElementById('canned').addEventListener('change', (e) => {
    const found = queries.find((x) => x.id === e.target.value);
    if (found) q.value = found.text;
  });
  document.getElementById('run').addEventListener('click', async () => {
    const status = document.getElementById('status');
    const table = document.getElementById('results');
    table.textContent = '';
    status.textContent = 'running';
    const response = await fetch('query', {method: 'POST',
      headers: {'Content-Type': 'application/x-www-form-urlencoded', 'Accept': 'application/sparql-results+json'},
      body: new URLSearchParams({query: q.value})});
    if (!response.ok) { status.textContent = 'error ' + response.status + ': ' + await response.text(); return; }
    const data = await response.json();
    const vars = data.head.vars || [];
    const head = table.insertRow();
    for (const v of vars) { const th = document.createElement('th'); th.textContent = v; head.appendChild(th); }
    for (const b of (data.results ? data.results.bindings : [])) {
      const tr = table.insertRow();
      tr.className = 'row';
      for (const v of vars) tr.insertCell().textContent = b[v] ? b[v].value : '';
    }
    status.textContent = (data.results ? data.results.bindings.length : 0) + ' rows';
    status.dataset.rows = String(data.results ? data.results.bindings.length : 0);
  });
})();
