package dev.jobwatch.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The soak run: writers and watchers churn for a long time while the server's memory, file
 * descriptors and Redis memory are sampled once a minute; a leak shows as a trend.
 *
 * <p>Each of {@code --soak-jobs} slots runs jobs one after another: add, start, {@code --soak-rate} log rows
 * a second with progress and now and then a result-stream chunk, for 20 to 60 s, then complete. Each job has
 * {@code --soak-watchers} watchers; every second one of them may leave and a new one come, and streams that
 * end (completion, or the server's short lifetime) are replaced. Completed jobs must expire for Redis memory
 * to stay flat: bench's soak sets a short retention.
 */
final class Soak implements Scenario {

    private final Bench bench;
    private final int minutes;
    private final int slots;
    private final int watchersPerJob;
    private final int rate;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final LongAdder jobsDone = new LongAdder();
    private final LongAdder rowsWritten = new LongAdder();
    private final LongAdder writeErrors = new LongAdder();
    private final LongAdder streamsOpened = new LongAdder();

    Soak(Bench bench) {
        this.bench = bench;
        this.minutes = bench.options().integer("soak-minutes", 30);
        this.slots = bench.options().integer("soak-jobs", 40);
        this.watchersPerJob = bench.options().integer("soak-watchers", 25);
        this.rate = bench.options().integer("soak-rate", 5);
    }

    @Override
    public void run() throws Exception {
        Results results = bench.results();
        Path dir = results.dir();
        results.put("soak.minutes", minutes);
        results.put("soak.jobs", slots);
        results.put("soak.watchers_per_job", watchersPerJob);
        results.put("soak.rate", rate);
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < slots; i++) {
            int slot = i;
            Thread t = new Thread(() -> slot(slot), "soak-slot-" + i);
            t.setDaemon(true);
            t.start();
            workers.add(t);
        }
        List<String> rows = new ArrayList<>();
        rows.add(
                "| minute | heap after GC MB | direct buffers MB | RSS MB | open fds | Redis used MB | streams open | hubs | jobs done | rows written | write errors |");
        rows.add("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        List<double[]> samples = new ArrayList<>();
        for (int minute = 1; minute <= minutes; minute++) {
            Time.sleep(60_000);
            String prometheus = bench.api().prometheus();
            double heap = bench.server().gc() / 1024.0;
            double direct = gauge(prometheus, "jvm_buffer_memory_used_bytes", "id=\"direct\"") / (1024 * 1024);
            Processes server = bench.server().processes();
            double rss = server.rssKb() / 1024.0;
            long fds = server.fds();
            double redisMb = Long.parseLong(bench.redis().info("memory", "used_memory")) / (1024.0 * 1024);
            double streams = gauge(prometheus, "jobwatch_streams_open", "");
            double hubs = gauge(prometheus, "jobwatch_hubs_open", "");
            samples.add(new double[] {heap, direct, rss, fds, redisMb});
            String row = String.format(
                    Locale.ROOT,
                    "| %d | %.1f | %.1f | %.0f | %d | %.1f | %.0f | %.0f | %d | %d | %d |",
                    minute,
                    heap,
                    direct,
                    rss,
                    fds,
                    redisMb,
                    streams,
                    hubs,
                    jobsDone.sum(),
                    rowsWritten.sum(),
                    writeErrors.sum());
            rows.add(row);
            bench.log().line("soak %s", row);
            String k = "soak." + minute + ".";
            results.put(k + "heap_mb", "%.1f", heap);
            results.put(k + "direct_mb", "%.1f", direct);
            results.put(k + "rss_mb", "%.0f", rss);
            results.put(k + "fds", fds);
            results.put(k + "redis_mb", "%.1f", redisMb);
            results.save();
            write(dir, rows, samples, false);
        }
        stop.set(true);
        for (Thread t : workers) {
            t.join(TimeUnit.SECONDS.toMillis(90));
        }
        write(dir, rows, samples, true);
    }

    /** Trend: the mean of the last third of the samples against the mean of the middle third. */
    private void write(Path dir, List<String> rows, List<double[]> samples, boolean finished) throws IOException {
        List<String> doc = new ArrayList<>();
        doc.add("# Soak run");
        doc.add("");
        doc.add("Generated by `load-tests/soak.sh` on " + Instant.now() + (finished ? "" : " (in progress)") + ". "
                + slots + " job slots, each running jobs of 20 to 60 s one after another at " + rate
                + " log rows/s with progress and result-stream chunks; " + watchersPerJob
                + " watchers per job, one of which may leave and be replaced every second; streams also end on "
                + "completion and on the server's short lifetime, and are replaced. Sampled once a minute: heap "
                + "after a full GC, direct buffers (`jvm_buffer_memory_used_bytes{id=\"direct\"}`), RSS, open file "
                + "descriptors, and Redis `used_memory`.");
        doc.add("");
        doc.add("Server: `"
                + bench.results()
                        .get("server.cmd", "attached to " + bench.server().base()) + "`, env "
                + bench.options().env().entrySet().stream()
                        .filter(e -> e.getKey().startsWith("JOBWATCH_"))
                        .map(e -> e.getKey() + "=" + e.getValue())
                        .sorted()
                        .toList()
                + ".");
        doc.add("");
        doc.addAll(rows);
        int n = samples.size();
        if (n >= 6) {
            doc.add("");
            doc.add(
                    "Trend (mean of the last third of the minutes against the middle third; the first third is warm-up):");
            doc.add("");
            String[] names = {"heap after GC", "direct buffers", "RSS", "open fds", "Redis used"};
            for (int i = 0; i < names.length; i++) {
                double middle = mean(samples, n / 3, 2 * n / 3, i);
                double last = mean(samples, 2 * n / 3, n, i);
                doc.add(String.format(
                        Locale.ROOT,
                        "- %s: %.1f then %.1f (%+.1f%%)",
                        names[i],
                        middle,
                        last,
                        middle == 0 ? 0 : 100 * (last - middle) / middle));
            }
        }
        Files.write(dir.resolve("soak.md"), doc);
    }

    private static double mean(List<double[]> samples, int from, int to, int column) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += samples.get(i)[column];
        }
        return to > from ? sum / (to - from) : 0;
    }

    private static double gauge(String text, String name, String label) {
        Matcher m =
                Pattern.compile("(?m)^" + name + "\\{([^}]*)\\} ([0-9.eE+]+)$").matcher(text);
        double sum = 0;
        while (m.find()) {
            if (m.group(1).contains(label)) {
                sum += Double.parseDouble(m.group(2));
            }
        }
        return sum;
    }

    private void slot(int slot) {
        long job = 0;
        while (!stop.get()) {
            try {
                runJob("soak-" + slot + "-" + job++);
            } catch (RuntimeException e) {
                writeErrors.increment();
                bench.log().line("soak slot %d: %s", slot, e);
                Time.sleep(1000);
            }
        }
    }

    private void runJob(String id) {
        Api api = bench.api();
        String token = api.addJobs(List.of(id)).get(0);
        List<SseStream> watchers = new ArrayList<>(open(id, watchersPerJob));
        post(id, token, "start", "application/json", "{}");
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int seconds = 20 + random.nextInt(41);
        for (int second = 0; second < seconds && !stop.get(); second++) {
            long t0 = System.nanoTime();
            for (int r = 0; r < rate; r++) {
                count(api.write(id, token, "ts=" + Time.epochMicros() + " second " + second + " row " + r)
                        .block(Duration.ofSeconds(30)));
                rowsWritten.increment();
            }
            post(id, token, "progress", "application/json", String.valueOf(100 * second / seconds));
            if (second % 5 == 0) {
                post(id, token, "stream", "text/plain", "chunk " + second + "\n");
            }
            watchers.removeIf(SseStream::closed);
            if (random.nextInt(4) == 0 && !watchers.isEmpty()) {
                watchers.remove(random.nextInt(watchers.size())).close();
            }
            if (watchers.size() < watchersPerJob) {
                watchers.addAll(open(id, watchersPerJob - watchers.size()));
            }
            long rest = TimeUnit.NANOSECONDS.toMillis(TimeUnit.SECONDS.toNanos(1) - (System.nanoTime() - t0));
            if (rest > 0) {
                Time.sleep(rest);
            }
        }
        post(
                id,
                token,
                "complete",
                "application/json",
                "{\"success\":true,\"result\":{\"rows\":" + seconds * rate + "}}");
        Time.sleep(2000);
        watchers.forEach(SseStream::close);
        jobsDone.increment();
    }

    private List<SseStream> open(String id, int n) {
        streamsOpened.add(n);
        return bench.sse().open(List.of(bench.api().watchUri(id)), n, 0);
    }

    private void post(String id, String token, String route, String type, String body) {
        count(bench.api().post(id, token, route, type, body));
    }

    private void count(Integer status) {
        if (status == null || status != 200) {
            writeErrors.increment();
        }
    }
}
