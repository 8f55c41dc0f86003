// Leaves a queue as real BullMQ leaves it, for tests that look at BullMQ's keys beside its jobs: a job run
// to completion with log rows, a failed one, one still waiting, and a job with an automatic (numeric) id.
// Prints {"ids": [...]} once the queue is in that state, closes its connections and ends.
// Env: REDIS_URL, BULLMQ_PREFIX, QUEUE, and BULLMQ_PACKAGE: the installed BullMQ to drive
// (package.json: bullmq, the default, or bullmq-latest).
const { Queue, QueueEvents, Worker } = await import(process.env.BULLMQ_PACKAGE || 'bullmq');

const redis = new URL(process.env.REDIS_URL);
const connection = { host: redis.hostname, port: Number(redis.port || 6379) };
const prefix = process.env.BULLMQ_PREFIX;
const queueName = process.env.QUEUE;

const queue = new Queue(queueName, { connection, prefix });
const events = new QueueEvents(queueName, { connection, prefix });
await events.waitUntilReady();

const done = await queue.add('done', { n: 1 }, { jobId: 'done-1', removeOnComplete: false });
const failed = await queue.add('failed', {}, { jobId: 'failed-1', attempts: 1, removeOnFail: false });
const numbered = await queue.add('numbered', {});
const worker = new Worker(queueName, async (job) => {
  await job.log(`row of ${job.id}`);
  await job.updateProgress(50);
  if (job.name === 'failed') {
    throw new Error('boom');
  }
  return { id: job.id };
}, { connection, prefix });
await done.waitUntilFinished(events, 30000);
await failed.waitUntilFinished(events, 30000).catch(() => undefined);
await numbered.waitUntilFinished(events, 30000);
await worker.close();
const waiting = await queue.add('waiting', {}, { jobId: 'waiting-1' });

process.stdout.write(JSON.stringify({ ids: [done.id, failed.id, numbered.id, waiting.id] }) + '\n');
await events.close();
await queue.close();
