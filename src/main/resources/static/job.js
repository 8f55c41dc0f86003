'use strict';

/*
 * The live page of one job: the reference browser client of getupdate_sse. It keeps the offsets of
 * what it has shown; on "timeout" it reconnects with them at once, and when a connection drops the
 * browser's EventSource reconnects by itself sending Last-Event-ID, which the server turns into the
 * same offsets, so nothing is lost or shown twice.
 */
(() => {
  const MAX_LOG_NODES = 20000;
  // Pings come every 5 s by default; a stream silent for far longer is dead even if its socket does not know it yet.
  const SILENCE_MS = 35000;
  const element = id => document.getElementById(id);

  const [, , namespacePart = '', ...idParts] = location.pathname.split('/');
  // An address typed or cut short can hold a broken %-escape, which names no job: the page says so.
  const decoded = text => {
    try {
      return decodeURIComponent(text);
    } catch (error) {
      if (error instanceof URIError) {
        return null;
      }
      throw error;
    }
  };
  const namespace = decoded(namespacePart);
  const jobId = decoded(idParts.join('/'));
  // Only ever this job's watch token: from the index's link (the fragment, which no server sees) or a
  // ?token= address. A producer token opens every job and never goes into a URL, where logs would keep it.
  const token = new URLSearchParams(location.hash.slice(1)).get('token')
      || new URLSearchParams(location.search).get('token');

  const log = element('log');
  const ansi = new AnsiText();
  const follow = element('follow');
  const state = {
    logOffset: 0,
    streamOffset: 0,
    running: false,
    ended: false,
    source: null,
    retryDelay: 500,
    retryTimer: null,
    heardAt: Date.now(),
    runningSince: null,
  };

  if (namespace === null || jobId === null) {
    element('title').textContent = location.pathname;
    end('error: this address names no job (it holds a malformed %-escape)', 'error');
    return;
  }
  document.title = `${jobId} · jobwatch`;
  element('title').textContent = `${namespace} / ${jobId}`;

  function streamUrl() {
    const query = new URLSearchParams({
      get_progress: 'true',
      running: String(state.running),
      log_offset: String(state.logOffset),
      stream_offset: String(state.streamOffset),
    });
    if (token) {
      query.set('token', token);
    }
    return `/api/w/${encodeURIComponent(namespace)}/jobs_u/getupdate_sse/${encodeURIComponent(jobId)}?${query}`;
  }

  function connect() {
    clearTimeout(state.retryTimer);
    if (state.source) {
      state.source.close();
    }
    showConnection('connecting');
    const source = new EventSource(streamUrl());
    state.source = source;
    state.heardAt = Date.now();
    source.onopen = () => {
      state.heardAt = Date.now();
      showConnection('live');
    };
    source.onmessage = event => {
      if (source === state.source) {
        state.heardAt = Date.now();
        handle(JSON.parse(event.data));
      }
    };
    source.onerror = () => {
      if (source !== state.source || state.ended) {
        return;
      }
      if (source.readyState === EventSource.CLOSED) {
        // The browser gave up on this stream (an HTTP error): try again with our offsets, more slowly each time.
        showConnection('offline');
        state.retryTimer = setTimeout(connect, state.retryDelay);
        state.retryDelay = Math.min(state.retryDelay * 2, 10000);
      } else {
        showConnection('reconnecting');
      }
    };
  }

  function handle(event) {
    switch (event.type) {
      case 'update':
        update(event);
        state.retryDelay = 500;
        break;
      case 'timeout':
        connect();
        break;
      case 'notfound':
        end('not found', 'notfound');
        break;
      case 'error':
        end(`error: ${event.error}`, 'error');
        break;
      default:
        break;
    }
  }

  function update(event) {
    if (typeof event.new_logs === 'string') {
      appendLog(event.new_logs);
    }
    if (typeof event.log_offset === 'number') {
      state.logOffset = event.log_offset;
    }
    if (typeof event.new_result_stream === 'string') {
      element('stream').appendChild(document.createTextNode(event.new_result_stream));
    }
    if (typeof event.stream_offset === 'number') {
      state.streamOffset = event.stream_offset;
    }
    if ('progress' in event) {
      showProgress(event.progress);
    }
    if (event.running && !state.running) {
      state.running = true;
      state.runningSince = Date.now();
      showStatus('running', 'running');
    }
    if (event.completed) {
      completed(event.job || {});
    }
  }

  function appendLog(text) {
    ansi.append(log, text);
    if (log.childNodes.length > MAX_LOG_NODES) {
      // A page holds a bounded log; the whole log stays readable through the API.
      while (log.childNodes.length > MAX_LOG_NODES / 2) {
        log.removeChild(log.firstChild);
      }
      element('log-trimmed').hidden = false;
    }
    if (follow.checked) {
      log.scrollTop = log.scrollHeight;
    }
  }

  function showProgress(progress) {
    const bar = element('progress');
    const text = element('progress-text');
    if (typeof progress === 'number' && Number.isFinite(progress)) {
      const percent = Math.max(0, Math.min(100, progress));
      bar.hidden = false;
      bar.setAttribute('aria-valuenow', String(percent));
      element('progress-fill').style.width = `${percent}%`;
      text.textContent = `${Number(percent.toFixed(1))}%`;
    } else if (progress !== null && progress !== undefined) {
      bar.hidden = true;
      text.textContent = JSON.stringify(progress);
    }
  }

  function completed(job) {
    const result = element('result');
    result.textContent = JSON.stringify(job.result === undefined ? null : job.result, null, 2);
    element('result-pane').hidden = false;
    if (job.canceled) {
      showStatus('canceled', 'canceled');
    } else if (job.success) {
      showStatus('success', 'success');
    } else {
      showStatus('failed', 'failed');
    }
    const parts = [];
    if (job.created_at) {
      parts.push(`created ${new Date(job.created_at).toLocaleString()}`);
    }
    if (job.started_at) {
      parts.push(`started ${new Date(job.started_at).toLocaleTimeString()}`);
    }
    if (typeof job.duration_ms === 'number') {
      parts.push(`took ${duration(job.duration_ms)}`);
    }
    element('timing').textContent = parts.join(' · ');
    end('ended', 'ended');
  }

  function end(text, connection) {
    state.ended = true;
    clearTimeout(state.retryTimer);
    if (state.source) {
      state.source.close();
    }
    if (connection !== 'ended') {
      showStatus(text, connection);
    }
    showConnection(connection === 'ended' ? 'ended' : 'closed');
  }

  function showStatus(text, key) {
    const status = element('status');
    status.textContent = text;
    status.dataset.state = key;
  }

  function showConnection(connection) {
    const badge = element('connection');
    badge.textContent = connection;
    badge.dataset.state = connection;
  }

  function duration(ms) {
    const seconds = Math.round(ms / 1000);
    return seconds < 60 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  }

  // Stop following when the reader scrolls up; follow again when they come back to the bottom.
  log.addEventListener('scroll', () => {
    follow.checked = log.scrollHeight - log.scrollTop - log.clientHeight < 4;
  });
  follow.addEventListener('change', () => {
    if (follow.checked) {
      log.scrollTop = log.scrollHeight;
    }
  });

  setInterval(() => {
    if (!state.ended && Date.now() - state.heardAt > SILENCE_MS) {
      connect();
    }
    if (state.running && !state.ended) {
      element('timing').textContent = `watched running for ${duration(Date.now() - state.runningSince)}`;
    }
  }, 1000);

  connect();
})();
