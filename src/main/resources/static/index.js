'use strict';

/*
 * The recent jobs of one namespace, from GET /queues/{q}/jobs, refreshed every few seconds. The
 * producer token is entered once and kept in sessionStorage: it stays in this tab and goes when it closes,
 * and only ever travels in an Authorization header. Each job's page is linked with that job's own watch
 * token in the address's fragment, which browsers never send to a server or a proxy.
 */
(() => {
  const TOKEN_KEY = 'jobwatch.producerToken';
  const NAMESPACE_KEY = 'jobwatch.namespace';
  const REFRESH_MS = 5000;
  const element = id => document.getElementById(id);
  const form = element('query');
  const params = new URLSearchParams(location.search);
  let timer = null;

  element('namespace').value = params.get('namespace') || sessionStorage.getItem(NAMESPACE_KEY) || '';
  element('token').value = sessionStorage.getItem(TOKEN_KEY) || '';

  form.addEventListener('submit', event => {
    event.preventDefault();
    sessionStorage.setItem(NAMESPACE_KEY, element('namespace').value);
    if (element('token').value) {
      sessionStorage.setItem(TOKEN_KEY, element('token').value);
    } else {
      sessionStorage.removeItem(TOKEN_KEY);
    }
    refresh();
  });

  async function refresh() {
    clearTimeout(timer);
    const namespace = element('namespace').value;
    if (!namespace) {
      return;
    }
    const token = sessionStorage.getItem(TOKEN_KEY);
    const headers = token ? { Authorization: `Bearer ${token}` } : {};
    let response;
    try {
      response = await fetch(`/queues/${encodeURIComponent(namespace)}/jobs?limit=100`, { headers });
    } catch (error) {
      say(`cannot reach the server (${error.message}); trying again`);
      timer = setTimeout(refresh, REFRESH_MS);
      return;
    }
    if (response.status === 401) {
      if (token) {
        sessionStorage.removeItem(TOKEN_KEY);
        say('that producer token was refused');
      } else {
        say('this namespace needs a producer token');
      }
      if (element('token').value === token) {
        element('token').value = '';
      }
      element('token').focus();
      return;
    }
    if (!response.ok) {
      say(`${response.status}: ${await response.text()}`);
      return;
    }
    show(namespace, await response.json());
    timer = setTimeout(refresh, REFRESH_MS);
  }

  function show(namespace, jobs) {
    say(jobs.length === 0 ? 'no recent jobs in this namespace' : `${jobs.length} recent jobs, newest first`);
    const rows = jobs.map(job => {
      const row = document.createElement('tr');
      const link = document.createElement('a');
      link.href = `/jobs/${encodeURIComponent(namespace)}/${encodeURIComponent(job.id)}`
          + (job.watch_token ? `#token=${encodeURIComponent(job.watch_token)}` : '');
      link.textContent = job.id;
      const state = job.canceled ? 'canceled' : job.state === 'completed' ? (job.success ? 'success' : 'failed') : job.state;
      const badge = document.createElement('span');
      badge.className = 'badge';
      badge.dataset.state = state;
      badge.textContent = state;
      const progress = typeof job.progress === 'number' ? `${job.progress}%`
          : job.progress === null || job.progress === undefined ? '' : JSON.stringify(job.progress);
      const took = typeof job.duration_ms === 'number' ? `${(job.duration_ms / 1000).toFixed(1)} s` : '';
      row.append(cell(link), cell(job.name || ''), cell(badge), cell(progress),
          cell(new Date(job.created_at).toLocaleString()), cell(took));
      return row;
    });
    element('jobs').tBodies[0].replaceChildren(...rows);
    element('jobs').hidden = jobs.length === 0;
  }

  function cell(content) {
    const td = document.createElement('td');
    if (typeof content === 'string') {
      td.textContent = content;
    } else {
      td.appendChild(content);
    }
    return td;
  }

  function say(text) {
    element('message').textContent = text;
  }

  refresh();
})();
