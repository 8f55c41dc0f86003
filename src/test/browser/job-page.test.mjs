// Drives jobwatch's job page in headless Chromium, as a person watching a job would see it, while it
// plays the worker through the worker API. Run by dev.jobwatch.web.JobPageBrowserIntegrationTest,
// which starts the server and restarts it when this script prints RESTART (it answers RESTARTED on
// stdin). Exits 0 when every check holds; on failure it prints why and saves a screenshot.
//
// It also prints DROP, to have every connection of the browser cut (answered with DROPPED). Last, it
// opens the page at an address with a malformed %-escape, which must show an error state.
//
// Environment: BASE_URL (the server, for the worker API), PAGE_URL (where the browser goes: a relay in
// front of the server that can cut connections), NAMESPACE, JOB_ID, JOB_TOKEN, WATCH_TOKEN, PRODUCER_TOKEN, SCREENSHOT,
// CHROMIUM (default /usr/bin/chromium).
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const env = name => {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
};
const base = env('BASE_URL');
const pageBase = env('PAGE_URL');
const namespace = env('NAMESPACE');
const jobId = env('JOB_ID');
const jobToken = env('JOB_TOKEN');
const watchToken = env('WATCH_TOKEN');
const producerToken = env('PRODUCER_TOKEN');
const screenshot = env('SCREENSHOT');
const DEADLINE_MS = 30000;
const ROWS = 200;
const ESC = '\u001b';

const stdin = createInterface({ input: process.stdin });
const lines = stdin[Symbol.asyncIterator]();

/** Row i: every tenth in colour, some with text that would be markup if it were ever parsed as HTML. */
function row(i) {
  if (i % 10 === 0) {
    return `${ESC}[1;31mrow ${i}${ESC}[0m in red`;
  }
  if (i % 7 === 0) {
    return `row ${i} <img src=x onerror="document.body.dataset.injected=1"> & <b>not bold</b>`;
  }
  return `row ${i} é 日本 😀`;
}
const shown = i => row(i).replace(/\u001b\[[0-9;]*m/g, '');
const expectedLog = count => Array.from({ length: count }, (_, i) => `${shown(i)}\n`).join('');

async function worker(path, body, type = 'application/json') {
  const response = await fetch(`${base}/queues/${namespace}/jobs/${jobId}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${jobToken}`, 'Content-Type': type },
    body,
  });
  if (response.status !== 200) {
    throw new Error(`POST ${path} answered ${response.status}: ${await response.text()}`);
  }
}

async function writeRows(from, to, progressEvery, progressOf) {
  for (let i = from; i < to; i++) {
    await worker('/logs', row(i), 'text/plain');
    if (i % progressEvery === progressEvery - 1) {
      await worker('/progress', JSON.stringify(progressOf(i)));
    }
  }
}

/** Waits until read() gives the expected value; fails with both values after the deadline. */
async function until(what, read, expected) {
  const deadline = Date.now() + DEADLINE_MS;
  let actual;
  while (Date.now() < deadline) {
    actual = await read();
    if (actual === expected) {
      return;
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: expected ${JSON.stringify(expected).slice(0, 400)}\n but was ${JSON.stringify(actual).slice(0, 400)}`);
}

function check(what, condition) {
  if (!condition) {
    throw new Error(what);
  }
}

/** Asks the JUnit test to do something to the server or the network, and waits until it is done. */
async function ask(request, done) {
  console.log(request);
  const answer = await lines.next();
  check(`the test answered ${JSON.stringify(answer.value)} to ${request}`, answer.value === done);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 1100, height: 820 } });
const pageErrors = [];
page.on('pageerror', error => pageErrors.push(error.message));
page.on('console', message => {
  if (message.type() === 'error') {
    console.log(`page console: ${message.text()}`);
  }
});
const requested = [];
page.on('request', request => requested.push(request.url()));
const text = selector => page.locator(selector).textContent();
const attribute = (selector, name) => page.locator(selector).getAttribute(name);

try {
  // The watch token comes in the page's address; the page hands it on to its EventSource.
  await page.goto(`${pageBase}/jobs/${encodeURIComponent(namespace)}/${encodeURIComponent(jobId)}?token=${watchToken}`);
  await until('connection before the job starts', () => attribute('#connection', 'data-state'), 'live');
  await until('status before the job starts', () => text('#status'), 'queued');
  check('the title names the job', (await text('#title')) === `${namespace} / ${jobId}`);

  await worker('/start', '');
  await until('status once started', () => text('#status'), 'running');
  await writeRows(0, ROWS / 2, 10, i => Math.round((i + 1) / 4));
  await worker('/stream', 'first chunk; ', 'text/plain');
  await until('log pane after the first half', () => text('#log'), expectedLog(ROWS / 2));
  await until('progress bar after the first half', () => attribute('#progress', 'aria-valuenow'), '25');
  await until('result stream after the first chunk', () => text('#stream'), 'first chunk; ');
  check('a coloured row is a coloured span', (await page.locator('#log .ansi-fg-1.ansi-bold').count()) === ROWS / 20);

  // The server goes away under the open stream and comes back on the same port.
  await ask('RESTART', 'RESTARTED');
  await writeRows(ROWS / 2, ROWS * 3 / 4, 10, i => Math.round((i + 1) * 60 / ROWS));
  await worker('/stream', 'second chunk; ', 'text/plain');
  await until('log pane after the restart', () => text('#log'), expectedLog(ROWS * 3 / 4));
  await until('progress bar after the restart', () => attribute('#progress', 'aria-valuenow'), '45');
  await until('result stream after the restart', () => text('#stream'), 'first chunk; second chunk; ');
  await until('connection after the restart', () => attribute('#connection', 'data-state'), 'live');

  // The connection is cut with no last event: the browser reconnects by itself, with Last-Event-ID.
  await ask('DROP', 'DROPPED');
  await writeRows(ROWS * 3 / 4, ROWS, 10, i => Math.round((i + 1) * 87 / ROWS));
  await worker('/stream', 'third chunk', 'text/plain');
  await until('log pane after the drop', () => text('#log'), expectedLog(ROWS));
  await until('progress bar after the drop', () => attribute('#progress', 'aria-valuenow'), '87');
  await until('result stream after the drop', () => text('#stream'), 'first chunk; second chunk; third chunk');
  await until('connection after the drop', () => attribute('#connection', 'data-state'), 'live');
  await page.screenshot({ path: screenshot });

  await worker('/progress', '"packaging"');
  await until('progress that is not a number, as text', () => text('#progress-text'), '"packaging"');
  await worker('/complete', JSON.stringify({ success: true, result: { artifact: 'api.tar.gz', rows: ROWS } }));
  await until('status once completed', () => text('#status'), 'success');
  const result = JSON.parse(await text('#result'));
  check(`the result is shown: ${JSON.stringify(result)}`, result.artifact === 'api.tar.gz' && result.rows === ROWS);
  await until('connection once completed', () => attribute('#connection', 'data-state'), 'ended');
  check('the log holds every row exactly once', (await text('#log')) === expectedLog(ROWS));
  check('no log text became markup', (await page.locator('#log img, #log b').count()) === 0
      && (await page.evaluate(() => document.body.dataset.injected)) === undefined);

  // The index lists the job once the producer token is entered, and links to its page.
  requested.length = 0;
  await page.goto(`${pageBase}/?namespace=${encodeURIComponent(namespace)}`);
  await until('the index without a token', () => text('#message'), 'this namespace needs a producer token');
  await page.fill('#token', producerToken);
  await page.click('button[type=submit]');
  const link = page.locator('#jobs a', { hasText: jobId });
  await link.waitFor({ timeout: DEADLINE_MS });
  check('the index shows the job as a success',
      (await page.locator('#jobs tbody tr', { hasText: jobId }).locator('.badge').textContent()) === 'success');
  await link.click();
  await until('the job page from the index', () => text('#status'), 'success');
  check('the page from the index streams with the job\'s watch token',
      requested.some(url => url.includes('/jobs_u/getupdate_sse/') && url.includes(`token=${watchToken}`)));
  check('no address the browser asked for holds the producer token',
      !requested.some(url => url.includes(encodeURIComponent(producerToken)) || url.includes(producerToken)));

  // An address whose %-escapes are no UTF-8 names no job: the page says so and asks the server for nothing.
  requested.length = 0;
  await page.goto(`${pageBase}/jobs/${encodeURIComponent(namespace)}/%E0%A4`);
  await until('the page at an address that does not decode', () => attribute('#status', 'data-state'), 'error');
  check('the page at an address that does not decode says why: ' + await text('#status'),
      (await text('#status')).includes('malformed %-escape'));
  check('the page at an address that does not decode opens no stream',
      !requested.some(url => url.includes('/jobs_u/')));
  // One whose %-escape is cut short is no URL at all: the server answers 400 with the reason, in words.
  const broken = await page.goto(`${pageBase}/jobs/${encodeURIComponent(namespace)}/%E0%A4%A`);
  check(`a cut-short %-escape is answered 400, not ${broken.status()}`, broken.status() === 400);
  check('the 400 says why: ' + await text('body'), (await text('body')).includes('malformed %-escape'));
  check('the page had no script errors: ' + pageErrors.join('; '), pageErrors.length === 0);
  console.log('PASSED');
} catch (error) {
  console.log(`FAILED: ${error.stack || error}`);
  await page.screenshot({ path: screenshot.replace(/\.png$/, '-failure.png') }).catch(() => {});
  process.exitCode = 1;
} finally {
  await browser.close();
  stdin.close();
}
