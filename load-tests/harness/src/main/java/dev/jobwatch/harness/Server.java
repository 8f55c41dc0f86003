package dev.jobwatch.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server under test: a jobwatch the harness starts from its jar, or a running server it attaches to by
 * {@code --base} and {@code --pid} (jobwatch, Floor, or nginx's master for nchan, which bench.sh starts).
 */
final class Server implements AutoCloseable {

    private final boolean nchan;
    private final String base;
    private final long pid;
    private final Process process;
    /** The JDK that runs the jobwatch server (its jcmd attaches to it), by default the harness's own. */
    private final String javaHome;
    /** When the harness started the server's process (System.nanoTime), or 0 when it attached to one. */
    private final long startedNanos;

    private Server(boolean nchan, String base, long pid, Process process, String javaHome, long startedNanos) {
        this.nchan = nchan;
        this.base = base;
        this.pid = pid;
        this.process = process;
        this.javaHome = javaHome;
        this.startedNanos = startedNanos;
    }

    static Server startOrAttach(Options options, boolean nchan, String producer, Results results, Log log)
            throws IOException {
        String javaHome = options.get("server-java-home", System.getProperty("java.home"));
        String given = options.get("base", "");
        if (!given.isEmpty()) {
            return new Server(nchan, given, options.number("pid", 0), null, javaHome, 0);
        }
        if (nchan) {
            throw new IllegalArgumentException("nchan: give --base and --pid (nginx master); bench.sh starts nginx");
        }
        int port = options.integer("port", 8080);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(javaHome, "bin", "java").toString());
        cmd.addAll(List.of(options.get("server-jvm-opts", "-Xms256m -Xmx2g -XX:+UseG1GC")
                .trim()
                .split("\\s+")));
        cmd.add("-jar");
        cmd.add(options.get("jar", "target/jobwatch-0.1.0-SNAPSHOT.jar"));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.put("SERVER_PORT", String.valueOf(port));
        env.put("JOBWATCH_REDIS_URL", options.get("redis-url", "redis://127.0.0.1:6379"));
        env.put("JOBWATCH_AUTH_TOKENS", producer);
        env.put("JOBWATCH_TOKEN_SECRET", options.get("token-secret", "bench-secret-0123456789abcdef"));
        env.putIfAbsent("JOBWATCH_WATCH_LIFETIME", options.get("watch-lifetime", "30m"));
        env.putIfAbsent("JOBWATCH_WATCH_SPREAD", "1s");
        // Every watcher comes from this machine's address, so the per-client cap (1,000 by default) is off.
        env.putIfAbsent("JOBWATCH_HTTP_MAX_STREAMS_PER_CLIENT", "0");
        Files.createDirectories(results.dir());
        // Named after the results file (jobwatch.properties: jobwatch-server.log), so that each run keeps its own.
        Path logFile = results.dir()
                .resolve(results.file().getFileName().toString().replaceFirst("\\.properties$", "") + "-server.log");
        pb.redirectErrorStream(true).redirectOutput(logFile.toFile());
        long started = System.nanoTime();
        Process process = pb.start();
        results.put("server.cmd", String.join(" ", cmd));
        results.put("server.transport", env.getOrDefault("JOBWATCH_TRANSPORT", "auto"));
        results.put("server.jdk", jdk(javaHome));
        log.line("started jobwatch pid %d: %s (log %s)", process.pid(), String.join(" ", cmd), logFile);
        String host = options.get("host", "127.0.0.1");
        return new Server(false, "http://" + host + ":" + port, process.pid(), process, javaHome, started);
    }

    String base() {
        return base;
    }

    long pid() {
        return pid;
    }

    /**
     * Waits up to 90 s for the server to answer ready (polled every 20 ms, so that a fresh server's time to ready
     * is measured to that); fails early if the server it started exited. Gives the seconds from the start of the
     * process the harness started to its first ready answer, or -1 for a server it attached to.
     */
    double awaitReady(Api api) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!api.ready()) {
            if (System.nanoTime() > deadline || (process != null && !process.isAlive())) {
                throw new IllegalStateException("server at " + base + " not ready");
            }
            Time.sleep(20);
        }
        return startedNanos == 0 ? -1 : (System.nanoTime() - startedNanos) / 1e9;
    }

    /** The server's processes: the JVM, or nginx's master and its workers. */
    Processes processes() {
        return nchan ? Processes.withChildren(pid) : Processes.of(pid);
    }

    /** Full GC for the JVM; nothing to do for nginx. Gives heap used after, in KB, or -1. */
    long gc() {
        if (nchan || pid <= 0) {
            return -1;
        }
        Processes.exec(jcmd(), String.valueOf(pid), "GC.run");
        Time.sleep(1500);
        Matcher m =
                Pattern.compile("used (\\d+)K").matcher(Processes.exec(jcmd(), String.valueOf(pid), "GC.heap_info"));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** The JVM's heap by class, its first lines, to see what each stream holds. */
    List<String> histogram(long lines) {
        return Processes.exec(jcmd(), String.valueOf(pid), "GC.class_histogram")
                .lines()
                .limit(lines)
                .toList();
    }

    private String jcmd() {
        return Path.of(javaHome, "bin", "jcmd").toString();
    }

    /** A jcmd command on the server's JVM; gives its output. */
    String jcmd(String... command) {
        List<String> cmd = new ArrayList<>(List.of(jcmd(), String.valueOf(pid)));
        cmd.addAll(List.of(command));
        return Processes.exec(cmd.toArray(String[]::new));
    }

    /** Stops the server if the harness started it. */
    @Override
    public void close() throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    /** The JDK's implementor and runtime version, from its {@code release} file. */
    private static String jdk(String home) {
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
}
