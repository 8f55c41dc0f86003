package dev.jobwatch.harness;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * Capacity harness for jobwatch, and nchan side by side.
 *
 * <pre>
 * java -jar jobwatch-harness.jar run --target=jobwatch --jar=target/jobwatch-0.1.0-SNAPSHOT.jar --out=results/jobwatch.properties
 * java -jar jobwatch-harness.jar run --target=jobwatch --base=http://127.0.0.1:8080 --pid=1234 --out=...
 * java -jar jobwatch-harness.jar run --target=nchan --base=http://127.0.0.1:8090 --pid=&lt;nginx master&gt; --out=...
 * java -jar jobwatch-harness.jar report --jobwatch=results/jobwatch.properties --nchan=results/nchan.properties --dir=results
 * </pre>
 *
 * Scenarios, each bounded in count and time:
 * <ul>
 * <li>many jobs and unwatched ({@link ManyJobs}): jobs with one watcher each, and jobs nobody watches, written as
 * fast as a fixed number of connections go; rows per second and rows per server CPU-second.</li>
 * <li>idle: step up to N open SSE streams on jobs that do not change; per step the server's VmRSS after a GC
 * (jcmd GC.run for a JVM), minus the baseline, over the watchers.</li>
 * <li>fanout: per step W watchers on one job, a writer at R rows/s for S seconds, each row {@code ts=<epoch
 * micros>}; deliveries (rows that reach a watcher) per second, write-to-watcher latency, Redis commands per
 * write (INFO commandstats after CONFIG RESETSTAT) and server CPU seconds per million deliveries
 * (/proc/pid/stat utime+stime).</li>
 * </ul>
 */
public final class Harness {

    static final Map<String, String> opts = new LinkedHashMap<>();
    static final Properties out = new Properties();
    static final long START = System.nanoTime();

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "run";
        for (String a : args) {
            if (a.startsWith("--")) {
                int eq = a.indexOf('=');
                opts.put(eq < 0 ? a.substring(2) : a.substring(2, eq), eq < 0 ? "true" : a.substring(eq + 1));
            }
        }
        if (mode.equals("report")) {
            Report.write(opt("jobwatch", "results/jobwatch.properties"), opt("nchan", "results/nchan.properties"),
                    Path.of(opt("dir", "results")));
            return;
        }
        int code = 0;
        try {
            if (mode.equals("soak")) {
                Harness harness = new Harness();
                harness.setUp();
                try {
                    new Soak(harness).run();
                } finally {
                    harness.tearDown();
                }
            } else {
                new Harness().run();
            }
        } catch (Throwable t) {
            t.printStackTrace(System.out);
            code = 1;
        } finally {
            System.exit(code);
        }
    }

    static String opt(String key, String def) {
        String v = opts.get(key);
        if (v == null) {
            v = System.getenv("BENCH_" + key.toUpperCase(Locale.ROOT).replace('-', '_'));
        }
        return v == null || v.isBlank() ? def : v;
    }

    static long[] longs(String key, String def) {
        return java.util.Arrays.stream(opt(key, def).trim().split("[ ,]+")).mapToLong(Long::parseLong).toArray();
    }

    static void log(String fmt, Object... a) {
        System.out.printf(Locale.ROOT, "[%7.1fs] %s%n", (System.nanoTime() - START) / 1e9, String.format(Locale.ROOT, fmt, a));
    }

    static void put(String key, Object value) {
        out.setProperty(key, String.valueOf(value));
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeException(e);
        }
    }

    static long epochMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    // ---------------------------------------------------------------------------------------------------------------

    final String target = opt("target", "jobwatch");
    final boolean nchan = target.equals("nchan");
    final Path outFile = Path.of(opt("out", "results/" + target + ".properties"));
    final int sources = Integer.parseInt(opt("sources", "8"));
    final String host = opt("host", "127.0.0.1");
    final String producer = opt("producer-token", "bench-producer-token");
    /** The JDK that runs the jobwatch server (its jcmd attaches to it), by default the harness's own. */
    final String serverJavaHome = opt("server-java-home", System.getProperty("java.home"));
    final String ns = "bench-" + Long.toHexString(System.currentTimeMillis());
    final LoopResources loops = LoopResources.create("harness", Integer.parseInt(opt("client-threads", "2")), true);
    final Recorder latency = new Recorder(TimeUnit.SECONDS.toMicros(120), 3);
    final LongAdder rows = new LongAdder();
    final LongAdder events = new LongAdder();
    final LongAdder stale = new LongAdder();
    final AtomicInteger open = new AtomicInteger();
    final AtomicInteger ended = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    HttpClient[] watchClients;
    HttpClient api;
    String base;
    Process server;
    long serverPid;
    Redis redis;
    long redisPid;

    void run() throws Exception {
        setUp();
        try {
            warmUp();
            ManyJobs many = new ManyJobs(this);
            many.manyJobs();
            many.unwatched();
            fanout();
            idle();
        } finally {
            tearDown();
        }
        log("done; results in %s", outFile);
    }

    void setUp() throws Exception {
        Files.createDirectories(outFile.toAbsolutePath().getParent());
        put("target", target);
        put("client.sources", sources);
        redis = new Redis(opt("redis-host", "127.0.0.1"), Integer.parseInt(opt("redis-port", "6379")));
        redisPid = Long.parseLong(field(redis.call("INFO", "server"), "process_id"));
        put("redis.version", field(redis.call("INFO", "server"), "redis_version"));
        ConnectionProvider single = ConnectionProvider.newConnection();
        watchClients = new HttpClient[sources];
        for (int i = 0; i < sources; i++) {
            String src = "127.0.0." + (2 + i);
            watchClients[i] = HttpClient.create(single).runOn(loops).bindAddress(() -> new InetSocketAddress(src, 0))
                    .headers(h -> {
                        h.set("Accept", "text/event-stream");
                        if (!nchan) {
                            // Watchers need a token with an external Redis; a producer token reads every job.
                            h.set("Authorization", "Bearer " + producer);
                        }
                    });
        }
        api = HttpClient.create(ConnectionProvider.builder("api").maxConnections(64).pendingAcquireMaxCount(-1).build())
                .runOn(loops);
        startOrAttach();
    }

    void tearDown() throws Exception {
        save();
        if (server != null) {
            server.destroy();
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    void save() throws IOException {
        try (OutputStream o = Files.newOutputStream(outFile)) {
            out.store(o, "jobwatch harness, target " + target);
        }
    }

    // ---- the server -----------------------------------------------------------------------------------------------

    void startOrAttach() throws Exception {
        String given = opt("base", "");
        if (!given.isEmpty()) {
            base = given;
            serverPid = Long.parseLong(opt("pid", "0"));
        } else if (nchan) {
            throw new IllegalArgumentException("nchan: give --base and --pid (nginx master); bench.sh starts nginx");
        } else {
            int port = Integer.parseInt(opt("port", "8080"));
            base = "http://" + host + ":" + port;
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(serverJavaHome, "bin", "java").toString());
            cmd.addAll(List.of(opt("server-jvm-opts", "-Xms256m -Xmx2g -XX:+UseG1GC").trim().split("\\s+")));
            cmd.add("-jar");
            cmd.add(opt("jar", "target/jobwatch-0.1.0-SNAPSHOT.jar"));
            ProcessBuilder pb = new ProcessBuilder(cmd);
            Map<String, String> env = pb.environment();
            env.put("SERVER_PORT", String.valueOf(port));
            env.put("JOBWATCH_REDIS_URL", opt("redis-url", "redis://127.0.0.1:6379"));
            env.put("JOBWATCH_AUTH_TOKENS", producer);
            env.put("JOBWATCH_TOKEN_SECRET", opt("token-secret", "bench-secret-0123456789abcdef"));
            env.putIfAbsent("JOBWATCH_WATCH_LIFETIME", opt("watch-lifetime", "30m"));
            env.putIfAbsent("JOBWATCH_WATCH_SPREAD", "1s");
            Path logFile = outFile.toAbsolutePath().getParent().resolve("jobwatch-server.log");
            pb.redirectErrorStream(true).redirectOutput(logFile.toFile());
            server = pb.start();
            serverPid = server.pid();
            put("server.cmd", String.join(" ", cmd));
            put("server.jdk", jdk(serverJavaHome));
            log("started jobwatch pid %d: %s (log %s)", serverPid, String.join(" ", cmd), logFile);
        }
        put("server.base", base);
        put("server.pid", serverPid);
        String ready = nchan ? "/nchan_stub_status" : "/actuator/health/readiness";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            Integer status = api.get().uri(base + ready).responseSingle((r, b) -> Mono.just(r.status().code()))
                    .onErrorResume(e -> Mono.just(0)).block(Duration.ofSeconds(5));
            if (status != null && status == 200) {
                break;
            }
            if (System.nanoTime() > deadline || (server != null && !server.isAlive())) {
                throw new IllegalStateException("server at " + base + " not ready");
            }
            sleep(500);
        }
        log("%s ready at %s, pid %d, redis pid %d", target, base, serverPid, redisPid);
    }

    /** The server's processes: the JVM, or nginx's master and its workers. */
    List<Long> pids() {
        List<Long> pids = new ArrayList<>();
        if (serverPid <= 0) {
            return pids;
        }
        pids.add(serverPid);
        if (nchan) {
            try (var dirs = Files.list(Path.of("/proc"))) {
                dirs.filter(p -> p.getFileName().toString().matches("\\d+")).forEach(p -> {
                    try {
                        String stat = Files.readString(p.resolve("stat"));
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        if (Long.parseLong(f[1]) == serverPid) {
                            pids.add(Long.parseLong(p.getFileName().toString()));
                        }
                    } catch (Exception ignored) {
                        // a process that went away
                    }
                });
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }
        return pids;
    }

    static long rssKb(List<Long> pids) {
        long sum = 0;
        for (long pid : pids) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                    if (line.startsWith("VmRSS:")) {
                        sum += Long.parseLong(line.replaceAll("[^0-9]", ""));
                    }
                }
            } catch (IOException ignored) {
                // gone
            }
        }
        return sum;
    }

    /** utime + stime in clock ticks (USER_HZ, 100 on Linux). */
    static long cpuTicks(List<Long> pids) {
        return cpuTicks(pids, true);
    }

    /** utime + stime, or stime alone (the kernel's share: on loopback, most of a socket write's cost lands there). */
    static long cpuTicks(List<Long> pids, boolean user) {
        long sum = 0;
        for (long pid : pids) {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                sum += (user ? Long.parseLong(f[11]) : 0) + Long.parseLong(f[12]);
            } catch (IOException ignored) {
                // gone
            }
        }
        return sum;
    }

    static long fds(List<Long> pids) {
        long sum = 0;
        for (long pid : pids) {
            String[] l = Path.of("/proc/" + pid + "/fd").toFile().list();
            sum += l == null ? 0 : l.length;
        }
        return sum;
    }

    /** Full GC for the JVM; nothing to do for nginx. Gives heap used after, in KB, or -1. */
    long gc() {
        if (nchan || serverPid <= 0) {
            return -1;
        }
        String jcmd = Path.of(serverJavaHome, "bin", "jcmd").toString();
        exec(jcmd, String.valueOf(serverPid), "GC.run");
        sleep(1500);
        String info = exec(jcmd, String.valueOf(serverPid), "GC.heap_info");
        Matcher m = Pattern.compile("used (\\d+)K").matcher(info);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** With --histogram, the server's heap by class after the step, to see what each stream holds. */
    void histogram(long step) throws IOException {
        if (!Boolean.parseBoolean(opt("histogram", "false")) || serverPid <= 0) {
            return;
        }
        String jcmd = Path.of(serverJavaHome, "bin", "jcmd").toString();
        long keep = Long.parseLong(opt("histogram-lines", "60"));
        List<String> lines = exec(jcmd, String.valueOf(serverPid), "GC.class_histogram").lines().limit(keep).toList();
        Files.write(outFile.toAbsolutePath().getParent().resolve(target + "-histogram-" + step + ".txt"), lines);
    }

    /** The JDK's implementor and runtime version, from its {@code release} file. */
    static String jdk(String home) {
        try {
            Properties release = new Properties();
            try (var in = Files.newInputStream(Path.of(home, "release"))) {
                release.load(in);
            }
            return (release.getProperty("IMPLEMENTOR", "?") + " " + release.getProperty("JAVA_RUNTIME_VERSION", "?"))
                    .replace("\"", "");
        } catch (IOException e) {
            return home;
        }
    }

    static String exec(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(60, TimeUnit.SECONDS);
            return s;
        } catch (Exception e) {
            return "";
        }
    }

    // ---- jobs and channels ----------------------------------------------------------------------------------------

    /** Adds jobs (jobwatch) with those ids and gives back their job tokens; nchan channels need no setup. */
    List<String> addJobs(List<String> ids) {
        if (nchan) {
            return ids;
        }
        List<String> tokens = new ArrayList<>();
        for (int from = 0; from < ids.size(); from += 1000) {
            StringBuilder body = new StringBuilder("[");
            for (int i = from; i < Math.min(ids.size(), from + 1000); i++) {
                body.append(i > from ? "," : "").append("{\"name\":\"bench\",\"id\":\"").append(ids.get(i)).append("\"}");
            }
            body.append(']');
            String answer = api.headers(h -> h.set("Authorization", "Bearer " + producer).set("Content-Type", "application/json"))
                    .post().uri(base + "/queues/" + ns + "/jobs")
                    .send(Mono.just(Unpooled.wrappedBuffer(body.toString().getBytes(StandardCharsets.UTF_8))))
                    .responseSingle((r, b) -> b.asString().map(s -> r.status().code() + " " + s))
                    .block(Duration.ofSeconds(30));
            if (answer == null || !answer.startsWith("200")) {
                throw new IllegalStateException("adding jobs: " + answer);
            }
            Matcher m = Pattern.compile("\"token\":\"([^\"]+)\"").matcher(answer);
            while (m.find()) {
                tokens.add(m.group(1));
            }
        }
        return tokens;
    }

    String watchPath(String id) {
        return nchan ? "/sub/" + id : "/api/w/" + ns + "/jobs_u/getupdate_sse/" + id + "?running=false";
    }

    Mono<Integer> write(String id, String token, String row) {
        HttpClient c = nchan ? api.headers(h -> h.set("Content-Type", "text/plain"))
                : api.headers(h -> h.set("Authorization", "Bearer " + token).set("Content-Type", "text/plain"));
        String uri = nchan ? base + "/pub/" + id : base + "/queues/" + ns + "/jobs/" + id + "/logs";
        return c.post().uri(uri).send(Mono.just(Unpooled.wrappedBuffer(row.getBytes(StandardCharsets.UTF_8))))
                .responseSingle((r, b) -> b.then(Mono.just(r.status().code())));
    }

    // ---- watchers -------------------------------------------------------------------------------------------------

    /**
     * One SSE stream. Scans bytes for {@code ts=<digits>} (a row, whether JSON-escaped in new_logs or raw in
     * nchan's data line) and for blank lines (an event's end); holds no buffer.
     */
    final class Watch {
        final long openedMicros = epochMicros();
        Disposable stream;
        int state;
        long acc;
        long seq;
        byte last;
        /** Rows with a sequence number ({@code ts=<micros>.<n>}) seen by this stream, and those out of order. */
        volatile long sequenced;
        volatile long disorder;

        void scan(ByteBuf buf) {
            long now = 0;
            for (int i = buf.readerIndex(), end = buf.writerIndex(); i < end; i++) {
                byte b = buf.getByte(i);
                if (b == '\n' && last == '\n') {
                    events.increment();
                }
                last = b;
                switch (state) {
                    case 0 -> state = b == 't' ? 1 : 0;
                    case 1 -> state = b == 's' ? 2 : b == 't' ? 1 : 0;
                    case 2 -> {
                        state = b == '=' ? 3 : b == 't' ? 1 : 0;
                        acc = 0;
                    }
                    case 4 -> {
                        if (b >= '0' && b <= '9') {
                            seq = seq * 10 + (b - '0');
                        } else {
                            // The rows of one job are numbered from 0 by their one sequential writer: each must come once, in order.
                            if (seq != sequenced) {
                                disorder++;
                            }
                            sequenced++;
                            state = b == 't' ? 1 : 0;
                        }
                    }
                    default -> {
                        if (b >= '0' && b <= '9') {
                            acc = acc * 10 + (b - '0');
                        } else {
                            if (now == 0) {
                                now = epochMicros();
                            }
                            if (acc >= openedMicros) {
                                rows.increment();
                                latency.recordValue(Math.min(Math.max(0, now - acc), TimeUnit.SECONDS.toMicros(120)));
                            } else {
                                stale.increment();
                            }
                            seq = 0;
                            state = b == '.' ? 4 : b == 't' ? 1 : 0;
                        }
                    }
                }
            }
        }
    }

    /** Opens n streams on those ids (round robin), at most {@code concurrency} connecting at once; waits for headers. */
    List<Watch> openWatches(List<String> ids, int n, int offset) {
        List<Watch> list = new ArrayList<>(n);
        int concurrency = Integer.parseInt(opt("connect-concurrency", "200"));
        Flux.range(0, n).flatMap(i -> {
            Watch w = new Watch();
            synchronized (list) {
                list.add(w);
            }
            Sinks.Empty<Void> headers = Sinks.empty();
            String id = ids.get((offset + i) % ids.size());
            w.stream = watchClients[(offset + i) % sources].get().uri(base + watchPath(id))
                    .response((res, body) -> {
                        if (res.status().code() == 200) {
                            open.incrementAndGet();
                            headers.tryEmitEmpty();
                            return body.doOnNext(w::scan).doFinally(s -> {
                                open.decrementAndGet();
                                ended.incrementAndGet();
                            }).then();
                        }
                        failed.incrementAndGet();
                        headers.tryEmitEmpty();
                        return body.then();
                    })
                    .subscribe(v -> { }, e -> {
                        failed.incrementAndGet();
                        headers.tryEmitEmpty();
                    });
            return headers.asMono().timeout(Duration.ofSeconds(30), Mono.empty());
        }, concurrency).blockLast(Duration.ofMinutes(10));
        return list;
    }

    void closeAll(List<Watch> list) {
        for (Watch w : list) {
            w.stream.dispose();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (open.get() > 0 && System.nanoTime() < deadline) {
            sleep(200);
        }
        list.clear();
        sleep(Long.parseLong(opt("settle-ms", "2000")));
    }

    // ---- (a) idle watchers ----------------------------------------------------------------------------------------

    void idle() throws IOException {
        long[] steps = longs("idle-steps", "1000 5000 10000");
        if (steps.length == 0 || steps[0] <= 0) {
            return;
        }
        int jobs = Integer.parseInt(opt("idle-jobs", "1000"));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < jobs; i++) {
            ids.add("idle-" + i);
        }
        addJobs(ids);
        put("idle.jobs", jobs);
        // warm the paths once, then the baseline
        closeAll(openWatches(ids, Math.min(jobs, 100), 0));
        long heap0 = gc();
        long rss0 = rssKb(pids());
        put("idle.baseline.rss_kb", rss0);
        put("idle.baseline.heap_kb", heap0);
        if (!nchan) {
            histogram(0);
        }
        log("idle: baseline RSS %d KB, heap used %d KB, %d jobs", rss0, heap0, jobs);
        List<Watch> all = new ArrayList<>();
        StringBuilder done = new StringBuilder();
        for (long step : steps) {
            int more = (int) (step - all.size());
            long t0 = System.nanoTime();
            all.addAll(openWatches(ids, more, all.size()));
            double took = (System.nanoTime() - t0) / 1e9;
            sleep(3000);
            int held = open.get();
            long heap = gc();
            long rss = rssKb(pids());
            long fds = fds(pids());
            double perWatcher = held > 0 ? (rss - rss0) / (double) held : 0;
            double heapPer = heap > 0 && held > 0 ? (heap - heap0) / (double) held : -1;
            String k = "idle." + step + ".";
            put(k + "held", held);
            put(k + "failed", failed.get());
            put(k + "rss_kb", rss);
            put(k + "heap_kb", heap);
            put(k + "fds", fds);
            put(k + "open_seconds", String.format(Locale.ROOT, "%.1f", took));
            put(k + "rss_per_watcher_kb", String.format(Locale.ROOT, "%.2f", perWatcher));
            put(k + "heap_per_watcher_kb", String.format(Locale.ROOT, "%.2f", heapPer));
            if (!nchan) {
                put(k + "server_streams_open", metric("jobwatch_streams_open"));
                histogram(step);
            }
            done.append(done.length() > 0 ? " " : "").append(step);
            put("idle.steps", done);
            save();
            log("idle %d: held %d (failed %d) in %.1fs, RSS %d KB (+%d), %.2f KB/watcher, heap %.2f KB/watcher, fds %d",
                    step, held, failed.get(), took, rss, rss - rss0, perWatcher, heapPer, fds);
            if (held < step * 0.98) {
                log("idle: only %d of %d held, stopping the steps", held, step);
                break;
            }
        }
        closeAll(all);
        failed.set(0);
    }

    String metric(String name) {
        String text = api.get().uri(base + "/actuator/prometheus").responseSingle((r, b) -> b.asString())
                .onErrorResume(e -> Mono.just("")).block(Duration.ofSeconds(10));
        Matcher m = Pattern.compile("(?m)^" + name + "(\\{[^}]*\\})? ([0-9.eE+]+)$").matcher(text == null ? "" : text);
        return m.find() ? m.group(2) : "?";
    }

    /**
     * Load before any figure is taken: a fresh JVM spends its first half minute or so of load compiling
     * its hot paths (seen here: a route's CPU per request falls about fourfold over 30 s of load), and
     * the first step measured would pay for it. nginx has nothing to warm; it runs the same load.
     */
    void warmUp() throws IOException {
        int seconds = Integer.parseInt(opt("warmup-seconds", "40"));
        if (seconds <= 0) {
            return;
        }
        String id = "warmup-" + System.nanoTime();
        String token = addJobs(List.of(id)).get(0);
        List<Watch> list = openWatches(List.of(id), Integer.parseInt(opt("warmup-watchers", "200")), 0);
        long t0 = System.nanoTime();
        int watchers = list.size();
        long[] writes = writeFor(id, token, Integer.parseInt(opt("warmup-rate", "500")), seconds);
        closeAll(list);
        put("server.warmup", seconds + " s, " + watchers + " watchers, " + writes[0] + " writes");
        log("warm-up: %d writes to %d watchers in %.1fs", writes[0], watchers, (System.nanoTime() - t0) / 1e9);
        failed.set(0);
    }

    // ---- (b), (c), (d) fan-out ------------------------------------------------------------------------------------

    void fanout() throws IOException {
        long[] steps = longs("fanout-steps", "1 100 1000 10000");
        if (steps.length == 0 || steps[0] <= 0) {
            return;
        }
        int rate = Integer.parseInt(opt("fanout-rate", "100"));
        int seconds = Integer.parseInt(opt("fanout-seconds", "20"));
        int warmup = Integer.parseInt(opt("fanout-warmup-seconds", "3"));
        put("fanout.rate", rate);
        put("fanout.seconds", seconds);
        StringBuilder done = new StringBuilder();
        for (long w : steps) {
            String id = "fan-" + w + "-" + System.nanoTime();
            String token = addJobs(List.of(id)).get(0);
            long t0 = System.nanoTime();
            List<Watch> list = openWatches(List.of(id), (int) w, 0);
            int held = open.get();
            log("fanout %d: %d streams open in %.1fs (failed %d)", w, held, (System.nanoTime() - t0) / 1e9, failed.get());
            sleep(1000);
            writeFor(id, token, rate, warmup);
            sleep(500);
            latency.getIntervalHistogram();
            long rows0 = rows.sum();
            long events0 = events.sum();
            redis.call("CONFIG", "RESETSTAT");
            List<Long> pids = pids();
            long cpu0 = cpuTicks(pids);
            long sys0 = cpuTicks(pids, false);
            long rcpu0 = cpuTicks(List.of(redisPid));
            long ccpu0 = cpuTicks(List.of(ProcessHandle.current().pid()));
            long start = System.nanoTime();
            long[] writes;
            try {
                writes = writeFor(id, token, rate, seconds);
            } catch (RuntimeException e) {
                put("fanout." + w + ".error", String.valueOf(e));
                save();
                log("fanout %d: the writer did not finish in time (%s); step skipped", w, e);
                closeAll(list);
                continue;
            }
            double writing = (System.nanoTime() - start) / 1e9;
            sleep(1000); // the last rows' deliveries
            double elapsed = (System.nanoTime() - start) / 1e9;
            long cpu = cpuTicks(pids) - cpu0;
            long sys = cpuTicks(pids, false) - sys0;
            long rcpu = cpuTicks(List.of(redisPid)) - rcpu0;
            long ccpu = cpuTicks(List.of(ProcessHandle.current().pid())) - ccpu0;
            String stats = redis.call("INFO", "commandstats");
            Histogram h = latency.getIntervalHistogram();
            long delivered = rows.sum() - rows0;
            long ev = events.sum() - events0;
            long calls = 0;
            StringBuilder byCmd = new StringBuilder();
            Matcher m = Pattern.compile("cmdstat_([^:]+):calls=(\\d+)").matcher(stats);
            while (m.find()) {
                if (!m.group(1).equals("info") && !m.group(1).startsWith("config")) {
                    calls += Long.parseLong(m.group(2));
                    byCmd.append(byCmd.length() > 0 ? " " : "").append(m.group(1)).append('=').append(m.group(2));
                }
            }
            long expected = writes[0] * (long) held;
            String k = "fanout." + w + ".";
            put(k + "held", held);
            put(k + "writes", writes[0]);
            put(k + "write_errors", writes[1]);
            put(k + "delivered", delivered);
            put(k + "expected", expected);
            put(k + "events", ev);
            put(k + "deliveries_per_s", String.format(Locale.ROOT, "%.0f", delivered / writing));
            put(k + "events_per_s", String.format(Locale.ROOT, "%.0f", ev / writing));
            put(k + "p50_ms", ms(h.getValueAtPercentile(50)));
            put(k + "p99_ms", ms(h.getValueAtPercentile(99)));
            put(k + "p999_ms", ms(h.getValueAtPercentile(99.9)));
            put(k + "max_ms", ms(h.getMaxValue()));
            put(k + "redis_calls", calls);
            put(k + "redis_calls_per_write", String.format(Locale.ROOT, "%.2f", writes[0] > 0 ? calls / (double) writes[0] : 0));
            put(k + "redis_by_command", byCmd);
            put(k + "server_cpu_s", String.format(Locale.ROOT, "%.2f", cpu / 100.0));
            put(k + "server_sys_cpu_s", String.format(Locale.ROOT, "%.2f", sys / 100.0));
            put(k + "redis_cpu_s", String.format(Locale.ROOT, "%.2f", rcpu / 100.0));
            put(k + "client_cpu_s", String.format(Locale.ROOT, "%.2f", ccpu / 100.0));
            put(k + "server_cpu_s_per_million", delivered > 0 ? String.format(Locale.ROOT, "%.2f", cpu / 100.0 / delivered * 1e6) : "n/a");
            put(k + "redis_cpu_s_per_million", delivered > 0 ? String.format(Locale.ROOT, "%.2f", rcpu / 100.0 / delivered * 1e6) : "n/a");
            put(k + "deliveries_per_cpu_s", cpu > 0 ? String.format(Locale.ROOT, "%.0f", delivered / (cpu / 100.0)) : "n/a");
            put(k + "elapsed_s", String.format(Locale.ROOT, "%.1f", elapsed));
            put(k + "server_rss_kb", rssKb(pids));
            done.append(done.length() > 0 ? " " : "").append(w);
            put("fanout.steps", done);
            save();
            log("fanout %d: %d writes (%d errors), %d/%d rows delivered (%.0f/s, %d events), latency p50 %s p99 %s p99.9 %s max %s ms; "
                            + "redis %d calls, %.2f/write [%s]; server CPU %.2fs (%.2fs in the kernel; %s s per 1M), redis CPU %.2fs, client CPU %.2fs",
                    w, writes[0], writes[1], delivered, expected, delivered / writing, ev, ms(h.getValueAtPercentile(50)),
                    ms(h.getValueAtPercentile(99)), ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()), calls,
                    writes[0] > 0 ? calls / (double) writes[0] : 0, byCmd, cpu / 100.0, sys / 100.0, out.getProperty(k + "server_cpu_s_per_million"),
                    rcpu / 100.0, ccpu / 100.0);
            closeAll(list);
            failed.set(0);
        }
    }

    static String ms(long micros) {
        return String.format(Locale.ROOT, "%.1f", micros / 1000.0);
    }

    /** Writes rows at that rate for that many seconds; gives back {writes ok, errors}. */
    long[] writeFor(String id, String token, int rate, int seconds) {
        LongAdder ok = new LongAdder();
        LongAdder bad = new LongAdder();
        long periodNanos = 1_000_000_000L / rate;
        Flux.interval(Duration.ofNanos(periodNanos)).take((long) rate * seconds).onBackpressureDrop()
                .flatMap(i -> write(id, token, "ts=" + epochMicros() + " row " + i)
                        .doOnNext(code -> (code == 200 || code == 201 || code == 202 ? ok : bad).increment())
                        .onErrorResume(e -> {
                            bad.increment();
                            return Mono.empty();
                        }), 256)
                .blockLast(Duration.ofSeconds(seconds + 60L));
        return new long[] {ok.sum(), bad.sum()};
    }

    static String field(String info, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + ":(\\S+)").matcher(info);
        return m.find() ? m.group(1) : "0";
    }

    /** A minimal RESP client for CONFIG RESETSTAT and INFO. */
    static final class Redis {
        final String host;
        final int port;

        Redis(String host, int port) {
            this.host = host;
            this.port = port;
        }

        String call(String... args) throws IOException {
            try (Socket s = new Socket(host, port)) {
                s.setSoTimeout(10_000);
                StringBuilder req = new StringBuilder("*" + args.length + "\r\n");
                for (String a : args) {
                    req.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
                }
                s.getOutputStream().write(req.toString().getBytes(StandardCharsets.UTF_8));
                InputStream in = s.getInputStream();
                String line = readLine(in);
                if (line.startsWith("$")) {
                    int len = Integer.parseInt(line.substring(1));
                    return len < 0 ? "" : new String(in.readNBytes(len), StandardCharsets.UTF_8);
                }
                if (line.startsWith("-")) {
                    throw new IOException("redis: " + line);
                }
                return line;
            }
        }

        static String readLine(InputStream in) throws IOException {
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                if (c != '\r') {
                    sb.append((char) c);
                }
            }
            return sb.toString();
        }
    }
}
