package dev.jobwatch.harness;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * The measurement behind {@link ManyJobs} and {@link Unwatched}: jobs written as fast as a fixed number of
 * connections go, each one request at a time over its own share of the jobs, so that the rows of one job are
 * written in order and numbered {@code ts=<micros>.<n>}; with one watcher per job, each checks that it hears
 * every row of its job once, in order. The figure is rows written per second and rows per server CPU-second,
 * after warm-up under the same load.
 */
final class WriteLoad {

    private final Bench bench;
    private final int connections;
    private final int warmup;
    private final int seconds;

    WriteLoad(Bench bench) {
        this.bench = bench;
        this.connections = bench.options().integer("writers", 16);
        this.warmup = bench.options().integer("scenario-warmup-seconds", 25);
        this.seconds = bench.options().integer("many-seconds", 20);
    }

    int warmupSeconds() {
        return warmup;
    }

    /** Measures one scenario, its figures under the key prefix {@code k}; false when its streams did not all open. */
    boolean measure(String k, int jobs, boolean watched) throws IOException {
        Results results = bench.results();
        SseClient sse = bench.sse();
        Deliveries deliveries = sse.deliveries();
        String prefix = k.replace('.', '-') + Long.toHexString(System.nanoTime());
        List<String> ids = new ArrayList<>(jobs);
        for (int i = 0; i < jobs; i++) {
            ids.add(prefix + i);
        }
        List<String> tokens = bench.api().addJobs(ids);
        List<SseStream> streams = new ArrayList<>();
        if (watched) {
            long t0 = System.nanoTime();
            streams = sse.open(bench.api().watchUris(ids), jobs, 0);
            bench.log()
                    .line(
                            "%s %d jobs, %d streams open in %.1fs (failed %d)",
                            k, jobs, sse.open(), (System.nanoTime() - t0) / 1e9, sse.failed());
            if (sse.open() < jobs) {
                results.put(k + "error", "only " + sse.open() + " of " + jobs + " streams opened");
                sse.closeAll(streams);
                sse.resetFailed();
                return false;
            }
        }
        Writers writers = new Writers(ids, tokens);
        writers.run(warmup);
        Time.sleep(500);
        deliveries.latencySinceLast();
        long rows0 = deliveries.rows();
        bench.redis().resetStats();
        Processes server = bench.server().processes();
        Usage usage0 = bench.usage(server);
        long written0 = writers.written.sum();
        long start = System.nanoTime();
        writers.run(seconds);
        double writing = (System.nanoTime() - start) / 1e9;
        long written = writers.written.sum() - written0;
        // The last rows' deliveries, bounded: a watcher that never hears its rows shows up as lost below.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (watched && System.nanoTime() < deadline && deliveries.rows() - rows0 < written) {
            Time.sleep(100);
        }
        Usage used = bench.usage(server).since(usage0);
        Histogram latency = deliveries.latencySinceLast();
        long delivered = deliveries.rows() - rows0;
        long calls = bench.redis().commandStats().calls();
        long lost = 0;
        long disorder = 0;
        for (SseStream stream : streams) {
            long sent = writers.seq.get(stream.target());
            lost += Math.max(0, sent - stream.numbered());
            disorder += stream.outOfOrder() + Math.max(0, stream.numbered() - sent);
        }
        double cpuSeconds = used.serverSeconds();
        results.put(k + "jobs", jobs);
        results.put(k + "watchers", streams.size());
        results.put(k + "writers", connections);
        results.put(k + "seconds", "%.1f", writing);
        results.put(k + "written", written);
        results.put(k + "write_errors", writers.errors.sum());
        if (writers.firstError.get() != null) {
            results.put(k + "first_write_error", writers.firstError.get());
        }
        results.put(k + "rows_per_s", "%.0f", written / writing);
        results.put(k + "server_cpu_s", "%.2f", cpuSeconds);
        results.put(k + "server_sys_cpu_s", "%.2f", used.serverKernelSeconds());
        results.put(k + "server_user_cpu_s", "%.2f", used.serverUserSeconds());
        results.putRatio(k + "rows_per_cpu_s", "%.0f", written, cpuSeconds);
        results.putRatio(k + "server_us_per_row", "%.1f", cpuSeconds * 1e6, written);
        results.put(k + "redis_cpu_s", "%.2f", used.redisSeconds());
        results.putRatio(k + "redis_us_per_row", "%.1f", used.redisSeconds() * 1e6, written);
        results.put(k + "redis_calls_per_row", "%.2f", written > 0 ? calls / (double) written : 0);
        results.put(k + "client_cpu_s", "%.2f", used.clientSeconds());
        results.put(k + "server_syscalls_per_row", "%.2f", written > 0 ? used.serverSyscalls() / (double) written : 0);
        if (watched) {
            results.put(k + "delivered", delivered);
            results.put(k + "lost", lost);
            results.put(k + "out_of_order", disorder);
            results.put(k + "p50_ms", Time.ms(latency.getValueAtPercentile(50)));
            results.put(k + "p99_ms", Time.ms(latency.getValueAtPercentile(99)));
        }
        bench.log()
                .line(
                        "%s %d jobs, %d watchers, %d writers: %d rows in %.1fs (%.0f/s, %d errors), server CPU %.2fs "
                                + "(%.2fs kernel), %s rows per CPU-s, %s us per row; redis %.2fs CPU, %.2f calls/row; "
                                + "client CPU %.2fs; %s server read/write syscalls per row; delivered %d, lost %d, out of order %d, p50 %s p99 %s ms",
                        k,
                        jobs,
                        streams.size(),
                        connections,
                        written,
                        writing,
                        written / writing,
                        writers.errors.sum(),
                        cpuSeconds,
                        used.serverKernelSeconds(),
                        results.get(k + "rows_per_cpu_s"),
                        results.get(k + "server_us_per_row"),
                        used.redisSeconds(),
                        written > 0 ? calls / (double) written : 0,
                        used.clientSeconds(),
                        results.get(k + "server_syscalls_per_row"),
                        delivered,
                        lost,
                        disorder,
                        Time.ms(latency.getValueAtPercentile(50)),
                        Time.ms(latency.getValueAtPercentile(99)));
        sse.closeAll(streams);
        writers.close();
        sse.resetFailed();
        return true;
    }

    /** The writer connections: connection c writes, one request at a time, to jobs c, c + n, c + 2n, ... */
    private final class Writers {
        final List<String> ids;
        final List<String> tokens;
        /** Per job, the rows written to it so far, which is also the number its next row carries. */
        final AtomicLongArray seq;

        final LongAdder written = new LongAdder();
        final LongAdder errors = new LongAdder();
        final AtomicReference<String> firstError = new AtomicReference<>();
        final ConnectionProvider pool;
        final HttpClient client;

        Writers(List<String> ids, List<String> tokens) {
            this.ids = ids;
            this.tokens = tokens;
            this.seq = new AtomicLongArray(ids.size());
            this.pool = ConnectionProvider.builder("writers")
                    .maxConnections(connections)
                    .pendingAcquireMaxCount(-1)
                    .build();
            this.client = HttpClient.create(pool).runOn(bench.loops());
        }

        void run(int runSeconds) {
            AtomicBoolean stop = new AtomicBoolean();
            var timer = Schedulers.parallel().schedule(() -> stop.set(true), runSeconds, TimeUnit.SECONDS);
            Flux.range(0, connections)
                    .flatMap(
                            c -> Flux.<Integer, Integer>generate(() -> c, (job, sink) -> {
                                        sink.next(job);
                                        int next = job + connections;
                                        return next >= ids.size() ? c : next;
                                    })
                                    .takeWhile(job -> !stop.get())
                                    .concatMap(this::write, 1),
                            connections)
                    .blockLast(Duration.ofSeconds(runSeconds + 60L));
            timer.dispose();
        }

        Mono<Void> write(int job) {
            String row = "ts=" + Time.epochMicros() + "." + seq.get(job) + " row";
            return bench.api()
                    .write(client, ids.get(job), tokens.get(job), row)
                    .doOnNext(code -> {
                        if (Api.written(code)) {
                            seq.incrementAndGet(job);
                            written.increment();
                        } else {
                            errors.increment();
                            firstError.compareAndSet(null, "status " + code);
                        }
                    })
                    .onErrorResume(e -> {
                        errors.increment();
                        firstError.compareAndSet(null, e.toString());
                        return Mono.empty();
                    })
                    .then();
        }

        void close() {
            pool.dispose();
        }
    }
}
