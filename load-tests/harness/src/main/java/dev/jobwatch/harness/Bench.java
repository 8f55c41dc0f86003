package dev.jobwatch.harness;

import java.io.IOException;
import java.nio.file.Path;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * What every scenario of one run works with: its options, log and results, the server under test and its
 * routes, the SSE client, and Redis. Made once in main; closing it saves the results and stops a server the
 * harness started.
 *
 * @param target {@code jobwatch} or {@code nchan}: what the results are named after and which routes the API takes
 * @param redisProcess Redis's process, whose CPU each measured window counts
 * @param loops the event loops every client of the harness runs on
 */
record Bench(
        Options options,
        Log log,
        Results results,
        String target,
        Server server,
        Api api,
        SseClient sse,
        Redis redis,
        Processes redisProcess,
        LoopResources loops)
        implements AutoCloseable {

    static Bench open(Options options, Log log) throws IOException, InterruptedException {
        String target = options.get("target", "jobwatch");
        boolean nchan = target.equals("nchan");
        Results results = new Results(Path.of(options.get("out", "results/" + target + ".properties")), target);
        int sources = options.integer("sources", 8);
        String producer = options.get("producer-token", "bench-producer-token");
        results.put("target", target);
        results.put("client.sources", sources);
        Redis redis = new Redis(options.get("redis-host", "127.0.0.1"), options.integer("redis-port", 6379));
        Processes redisProcess = Processes.of(Long.parseLong(redis.info("server", "process_id")));
        results.put("redis.version", redis.info("server", "redis_version"));
        LoopResources loops = LoopResources.create("harness", options.integer("client-threads", 2), true);
        // Watchers need a token with an external Redis; a producer token reads every job.
        SseClient sse = new SseClient(
                loops,
                sources,
                nchan ? null : producer,
                options.integer("connect-concurrency", 200),
                options.number("settle-ms", 2000));
        HttpClient http = HttpClient.create(ConnectionProvider.builder("api")
                        .maxConnections(64)
                        .pendingAcquireMaxCount(-1)
                        .build())
                .runOn(loops);
        Server server = Server.startOrAttach(options, nchan, producer, results, log);
        try {
            Api api = new Api(
                    http, nchan, server.base(), "bench-" + Long.toHexString(System.currentTimeMillis()), producer);
            results.put("server.base", server.base());
            results.put("server.pid", server.pid());
            double ready = server.awaitReady(api);
            if (ready >= 0) {
                results.put("server.ready_s", "%.2f", ready);
                results.put("server.ready_cpu_s", "%.2f", server.processes().cpuTicks() / Processes.TICKS_PER_SECOND);
            }
            log.line(
                    "%s ready at %s, pid %d, redis pid %d",
                    target, server.base(), server.pid(), redisProcess.pids().get(0));
            return new Bench(options, log, results, target, server, api, sse, redis, redisProcess, loops);
        } catch (RuntimeException e) {
            results.save();
            server.close();
            throw e;
        }
    }

    boolean nchan() {
        return target.equals("nchan");
    }

    /** CPU and system calls so far of the server's processes (listed by the caller, once per window), Redis and the harness. */
    Usage usage(Processes serverProcesses) {
        return Usage.sample(serverProcesses, redisProcess);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        results.save();
        server.close();
    }
}
