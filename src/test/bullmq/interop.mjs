// Real BullMQ on one side, jobwatch on the other: the JUnit test BullMqInteropIntegrationTest runs this.
// It adds the jobs, says so on stdout ({"added": [...]}), waits for "go" on stdin (the test's watchers are
// then in place), runs a real Worker over them, prints what BullMQ itself saw ({"result": {...}}), and once
// told "done" removes the queue.
// Env: REDIS_URL, BULLMQ_PREFIX, QUEUE, JOBWATCH_URL, and BULLMQ_PACKAGE: the installed BullMQ to drive
// (package.json: bullmq, the default, or bullmq-latest).
import { createInterface } from 'node:readline';

const { Queue, QueueEvents, Worker } = await import(process.env.BULLMQ_PACKAGE || 'bullmq');

const redis = new URL(process.env.REDIS_URL);
const connection = { host: redis.hostname, port: Number(redis.port || 6379) };
const prefix = process.env.BULLMQ_PREFIX;
const queueName = process.env.QUEUE;
const jobUrl = (id) => `${process.env.JOBWATCH_URL}/queues/bullmq.${queueName}/jobs/${id}`;

// Rows with characters of 2, 3 and 4 UTF-8 bytes and an empty row, as the test expects them.
const ROWS = ['starting', 'héllo wörld ✓ 🎉', '', 'done'];
const HTTP_ROWS = ['posted through jobwatch', 'ünïcödé 🚀'];
const KEPT_ROWS = ['one', 'two', 'three'];

const say = (message) => process.stdout.write(JSON.stringify(message) + '\n');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

const post = (url, token, type, body) =>
  fetch(url, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': type }, body })
    .then((response) => response.status);

const queue = new Queue(queueName, { connection, prefix });
const events = new QueueEvents(queueName, { connection, prefix });
await events.waitUntilReady();
const progressEvents = [];
events.on('progress', ({ jobId, data }) => progressEvents.push({ jobId, data }));

const ok = await queue.add('ok', { n: 1 }, { jobId: 'ok-1' });
const bad = await queue.add('bad', {}, { jobId: 'bad-1', attempts: 1 });
const http = await queue.add('http', {}, { jobId: 'http-1' });
const kept = await queue.add('kept', {}, { jobId: 'kept-1', keepLogs: 2 });
say({ added: [ok.id, bad.id, http.id, kept.id] });
await lines.next();

const statuses = {};
let httpToken;
const worker = new Worker(queueName, async (job) => {
  switch (job.name) {
    case 'ok':
      await job.updateProgress(10);
      for (const row of ROWS) {
        await job.log(row);
        await sleep(40);
      }
      await job.updateProgress({ step: 'last', pct: 100 });
      return { answer: 42, rows: ROWS.length };
    case 'bad':
      await job.log('about to fail');
      throw new Error('boom');
    case 'http':
      httpToken = job.token;
      statuses.wrongToken = await post(`${jobUrl(job.id)}/progress`, 'not-the-lock', 'application/json', '1');
      statuses.progress = await post(`${jobUrl(job.id)}/progress`, job.token, 'application/json',
        JSON.stringify({ pct: 33 }));
      statuses.logs = [];
      for (const row of HTTP_ROWS) {
        statuses.logs.push(await post(`${jobUrl(job.id)}/logs`, job.token, 'text/plain; charset=utf-8', row));
      }
      statuses.jsonLog = await post(`${jobUrl(job.id)}/logs`, job.token, 'application/json', JSON.stringify('as json'));
      statuses.logPage = await fetch(`${jobUrl(job.id)}/logs?start=1&length=2`,
        { headers: { Authorization: `Bearer ${job.token}` } }).then((response) => response.json());
      return 'via http';
    case 'kept':
      for (const row of KEPT_ROWS) {
        await post(`${jobUrl(job.id)}/logs`, job.token, 'text/plain', row);
      }
      return null;
  }
}, { connection, prefix, concurrency: 4 });

await ok.waitUntilFinished(events, 30000);
await bad.waitUntilFinished(events, 30000).catch(() => undefined);
await http.waitUntilFinished(events, 30000);
await kept.waitUntilFinished(events, 30000);
statuses.afterFinish = await post(`${jobUrl('http-1')}/progress`, httpToken, 'application/json', '2');

for (let i = 0; i < 100 && !progressEvents.some((event) => event.jobId === 'http-1'); i++) {
  await sleep(50);
}
say({
  result: {
    statuses,
    httpProgressEvents: progressEvents.filter((event) => event.jobId === 'http-1').map((event) => event.data),
    httpProgress: (await queue.getJob('http-1')).progress,
    httpLogs: await queue.getJobLogs('http-1'),
    keptLogs: await queue.getJobLogs('kept-1'),
  },
});
await lines.next();
await worker.close();
await events.close();
await queue.obliterate({ force: true });
await queue.close();
process.exit(0);
