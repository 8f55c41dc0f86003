// Windmill's own TypeScript SDK (windmill-client) against jobwatch: the JUnit test WindmillSdkIntegrationTest
// runs this. It adds jobs and plays their worker over jobwatch's HTTP worker routes, while the SDK waits for,
// reads and cancels them with its own functions; then it prints one line, {"report": {...}}, of what the SDK
// got back, and the test checks it.
// Env: JOBWATCH_URL, PRODUCER_TOKEN, WORKSPACE.
import wmill, { JobService } from 'windmill-client';

// The SDK's default export, as its documentation uses it: getResult and getResultMaybe are only there.
const { cancelJob, getProgress, getResult, getResultMaybe, getRootJobId, setClient, waitJob } = wmill;

const base = process.env.JOBWATCH_URL;
const producer = process.env.PRODUCER_TOKEN;
const workspace = process.env.WORKSPACE;
// The SDK's helpers take the workspace from here, as they do inside a Windmill worker.
process.env.WM_WORKSPACE = workspace;

// Rows with characters of 2, 3 and 4 UTF-8 bytes and empty rows, as the test expects them.
const ROWS = ['starting', 'héllo wörld ✓ 🎉', '', '日本語のログ', '', 'done 🚀'];
const CHUNKS = ['part one, ', 'ünï 😀 ', '', 'last'];
const RESULT = { answer: 42, text: '日本 😀', empty: '' };

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const jobUrl = (id) => `${base}/queues/${workspace}/jobs/${id}`;

async function send(id, token, route, type, body) {
  const response = await fetch(`${jobUrl(id)}/${route}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, ...(type ? { 'Content-Type': type } : {}) },
    body,
  });
  return response.status;
}

async function write(id, token, route, type, body) {
  const status = await send(id, token, route, type, body);
  if (status !== 200) {
    throw new Error(`${route} of ${id} answered ${status}`);
  }
}

async function add(jobs) {
  const response = await fetch(`${base}/queues/${workspace}/jobs`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${producer}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(jobs),
  });
  if (response.status !== 200) {
    throw new Error(`adding jobs answered ${response.status}: ${await response.text()}`);
  }
  return Object.fromEntries((await response.json()).map((job) => [job.id, job]));
}

const outcome = (promise) => promise.then((value) => ({ returned: value }),
  (error) => ({ thrown: error.message, status: error.status, body: error.body }));

/** getJobUpdatesSse until the job completes, reconnecting with the offsets after each timeout. */
async function followSse(id) {
  let running = false;
  let logOffset = 0;
  let streamOffset = 0;
  let logs = '';
  let stream = '';
  let timeouts = 0;
  const progress = [];
  for (let connection = 1; connection <= 200; connection++) {
    const text = await JobService.getJobUpdatesSse({ workspace, id, running, logOffset, streamOffset, getProgress: true });
    for (const line of text.split('\n')) {
      if (!line.startsWith('data:')) {
        continue;
      }
      const event = JSON.parse(line.slice('data:'.length));
      if (event.type === 'timeout') {
        timeouts++;
      }
      if (event.type !== 'update') {
        continue;
      }
      running ||= event.running === true;
      logs += event.new_logs ?? '';
      stream += event.new_result_stream ?? '';
      logOffset = event.log_offset ?? logOffset;
      streamOffset = event.stream_offset ?? streamOffset;
      if (event.progress !== undefined) {
        progress.push(event.progress);
      }
      if (event.completed) {
        return { logs, stream, timeouts, connections: connection, progress, running, job: event.job };
      }
    }
  }
  throw new Error('getJobUpdatesSse never said completed');
}

/** getJobUpdates polled until the job completes. */
async function poll(id) {
  let running = false;
  let logOffset = 0;
  let streamOffset = 0;
  let logs = '';
  let stream = '';
  for (let polls = 1; polls <= 2000; polls++) {
    const update = await JobService.getJobUpdates({ workspace, id, running, logOffset, streamOffset, getProgress: true });
    running ||= update.running === true;
    logs += update.new_logs ?? '';
    stream += update.new_result_stream ?? '';
    logOffset = update.log_offset ?? logOffset;
    streamOffset = update.stream_offset ?? streamOffset;
    if (update.completed) {
      return { logs, stream, polls, logOffset, streamOffset };
    }
    await sleep(50);
  }
  throw new Error('getJobUpdates never said completed');
}

setClient(producer, base);
const jobs = await add([
  { id: 'main', name: 'main', data: { n: 1 } },
  { id: 'child', name: 'child', parent_job: 'main', args: { x: 'ü' } },
  { id: 'failing', name: 'failing' },
  { id: 'queued', name: 'queued' },
  { id: 'running', name: 'running' },
]);
const report = {};

report.maybeBefore = await getResultMaybe('main');
report.resultBefore = await outcome(getResult('main'));
report.completedBefore = await outcome(JobService.getCompletedJob({ workspace, id: 'main' }));
report.progressBefore = await getProgress('main');

const mainToken = jobs.main.token;
const worker = (async () => {
  await sleep(300);
  await write('main', mainToken, 'start');
  await write('main', mainToken, 'progress', 'application/json', '25');
  report.progressWhileRunning = await getProgress('main');
  report.maybeWhileRunning = await getResultMaybe('main');
  for (const row of ROWS) {
    await write('main', mainToken, 'logs', 'text/plain; charset=utf-8', row);
    await sleep(250);
  }
  for (const chunk of CHUNKS) {
    await write('main', mainToken, 'stream', 'text/plain; charset=utf-8', chunk);
  }
  await write('main', mainToken, 'progress', 'application/json', '80');
  await write('main', mainToken, 'complete', 'application/json', JSON.stringify({ success: true, result: RESULT }));
})();

const [waited, sse, polled] = await Promise.all([outcome(waitJob('main')), followSse('main'), poll('main'), worker]);
report.waited = waited;
report.sse = sse;
report.polled = polled;
report.maybeAfter = await getResultMaybe('main');
report.result = await getResult('main');
report.completed = await JobService.getCompletedJob({ workspace, id: 'main' });
report.logs = await JobService.getJobLogs({ workspace, id: 'main' });
report.logsTail = await JobService.getCompletedJobLogsTail({ workspace, id: 'main' });
report.jobNoLogs = await JobService.getJob({ workspace, id: 'main', noLogs: true });
report.job = await JobService.getJob({ workspace, id: 'main' });
report.progressAfter = await getProgress('main');
report.args = await JobService.getJobArgs({ workspace, id: 'child' });
report.rootOfChild = await getRootJobId('child');
report.rootOfMain = await getRootJobId('main');
report.timing = await JobService.getCompletedJobTiming({ workspace, id: 'main' });
report.wrote = { logs: ROWS.map((row) => row + '\n').join(''), stream: CHUNKS.join(''), result: RESULT };

// The job's watch token reads it, and cancels nothing.
setClient(jobs.main.watch_token, base);
report.resultWithWatchToken = await getResult('main');
report.cancelWithWatchToken = await outcome(cancelJob('queued'));
report.otherJobWithWatchToken = await outcome(getResult('failing'));
setClient(producer, base);

await write('failing', jobs.failing.token, 'logs', 'text/plain', 'about to fail');
await write('failing', jobs.failing.token, 'complete', 'application/json',
  JSON.stringify({ success: false, result: { error: { name: 'Error', message: 'boom' } } }));
report.failed = await outcome(waitJob('failing'));

report.cancelQueued = await cancelJob('queued', 'not needed');
report.canceledQueued = await getResultMaybe('queued');
report.waitCanceled = await outcome(waitJob('queued'));

await write('running', jobs.running.token, 'start');
await write('running', jobs.running.token, 'logs', 'text/plain', 'working');
report.maybeRunning = await getResultMaybe('running');
report.cancelRunning = await cancelJob('running');
report.writeAfterCancel = await send('running', jobs.running.token, 'logs', 'text/plain', 'too late');
report.canceledRunning = await JobService.getCompletedJob({ workspace, id: 'running' });
report.cancelAgain = await cancelJob('running');

process.stdout.write(JSON.stringify({ report }) + '\n');
