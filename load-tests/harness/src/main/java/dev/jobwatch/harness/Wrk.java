package dev.jobwatch.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The write load of {@link WriteLoad} and {@link WarmStart}: {@code wrk} run as a child process with
 * load-tests/wrk/writes.lua, as many connections as threads, each thread writing its own share of the jobs one
 * request at a time, so that each job's rows are numbered in order. wrk drives a server harder than a JVM client
 * on the same cores would, and both servers get cheaper per row the busier they are, so both are driven by it.
 *
 * @param binary the wrk executable
 * @param script writes.lua
 * @param threads wrk's threads, one connection each (fewer when there are fewer jobs)
 * @param dir where the job lists, wrk's output and its log go
 */
record Wrk(String binary, Path script, int threads, Path dir) {

    /**
     * What one wrk run did.
     *
     * @param ok rows written (2xx answers)
     * @param failed other answers
     * @param socketErrors connect, read, write errors and timeouts
     * @param seconds how long wrk wrote
     * @param cpuSeconds wrk's own CPU (utime + stime of all its threads)
     * @param firstError the first answer other than 2xx, or empty
     * @param next per job, the number its next row carries (= rows answered 2xx, over all runs so far)
     * @param pending per job, whether its last row was sent and not answered when wrk stopped (one job a thread at
     *     most): the server may have written it, so that job's watcher may hear one row more than {@code next} says
     */
    record Run(
            long ok,
            long failed,
            long socketErrors,
            double seconds,
            double cpuSeconds,
            String firstError,
            long[] next,
            boolean[] pending) {

        double rowsPerSecond() {
            return seconds > 0 ? ok / seconds : 0;
        }
    }

    static Wrk of(Options options, Path dir) {
        return new Wrk(
                options.get("wrk", "wrk"),
                Path.of(options.get("wrk-script", "load-tests/wrk/writes.lua")),
                options.integer("writers", 16),
                dir);
    }

    /**
     * Writes for that many seconds to those paths (each with its bearer token, or null for none), each job's rows
     * numbered from {@code first}.
     */
    Run run(String base, List<String> paths, List<String> tokens, long[] first, int seconds) throws IOException {
        int n = Math.max(1, Math.min(threads, paths.size()));
        Path jobs = dir.resolve("wrk-jobs.txt");
        Path out = dir.resolve("wrk-out.txt");
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < paths.size(); i++) {
            String token = tokens.get(i);
            list.append(paths.get(i))
                    .append(' ')
                    .append(token == null ? "-" : token)
                    .append(' ')
                    .append(first[i])
                    .append('\n');
        }
        Files.writeString(jobs, list);
        Files.deleteIfExists(out);
        ProcessBuilder pb = new ProcessBuilder(
                        binary,
                        "-t" + n,
                        "-c" + n,
                        "-d" + seconds + "s",
                        "--timeout",
                        "10s",
                        "-s",
                        script.toAbsolutePath().toString(),
                        base)
                .redirectErrorStream(true)
                .redirectOutput(
                        ProcessBuilder.Redirect.appendTo(dir.resolve("wrk.log").toFile()));
        Map<String, String> env = pb.environment();
        env.put("WRK_JOBS", jobs.toString());
        env.put("WRK_OUT", out.toString());
        env.put("WRK_THREADS", String.valueOf(n));
        Process p = pb.start();
        try {
            if (!p.waitFor(seconds + 60L, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("wrk did not end in " + (seconds + 60) + " s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (p.exitValue() != 0 || !Files.exists(out)) {
            throw new IllegalStateException("wrk exited " + p.exitValue() + " without its totals; see wrk.log");
        }
        return parse(Files.readAllLines(out, StandardCharsets.UTF_8), paths.size());
    }

    private static Run parse(List<String> lines, int jobs) {
        long ok = 0;
        long failed = 0;
        long socket = 0;
        long durationMicros = 0;
        long ticks = 0;
        String first = "";
        long[] next = new long[jobs];
        boolean[] pending = new boolean[jobs];
        for (String line : lines) {
            String[] f = line.split(" ", 2);
            String value = f.length > 1 ? f[1] : "";
            switch (f[0]) {
                case "ok" -> ok = Long.parseLong(value);
                case "failed" -> failed = Long.parseLong(value);
                case "socket_errors" -> socket = Long.parseLong(value);
                case "duration_us" -> durationMicros = Long.parseLong(value);
                case "cpu_ticks" -> ticks = Long.parseLong(value);
                case "first_error" -> first = value.trim();
                case "job" -> {
                    String[] jn = value.split(" ");
                    next[Integer.parseInt(jn[0])] = Long.parseLong(jn[1]);
                }
                case "pending" -> pending[Integer.parseInt(value)] = true;
                default -> throw new IllegalStateException("wrk output: " + line);
            }
        }
        return new Run(
                ok, failed, socket, durationMicros / 1e6, ticks / Processes.TICKS_PER_SECOND, first, next, pending);
    }
}
