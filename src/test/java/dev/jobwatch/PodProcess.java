package dev.jobwatch;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** A jobwatch pod as its own JVM, as Kubernetes would run it: started, made ready, and sent SIGTERM. */
public final class PodProcess implements AutoCloseable {

    /** What Spring Boot logs once the web server listens. */
    private static final Pattern LISTENING = Pattern.compile("Netty started on port (\\d+)");
    /** One sample of the Prometheus text format: name, labels, value. */
    /** One client for every metrics read, so that they share a kept-alive connection. */
    private static final HttpClient METRICS = HttpClient.newHttpClient();

    private static final Pattern SAMPLE = Pattern.compile("^(\\w+)\\{([^}]*)} (\\S+)$", Pattern.MULTILINE);

    private final Process process;
    private final Path log;
    private volatile int port;

    /**
     * Starts the pod on a port the system picks (a port probed first could be taken before the JVM binds
     * it) and waits until it is ready.
     */
    public PodProcess(String redisUrl, String... settings) {
        this(List.of(), redisUrl, settings);
    }

    /** @param jvmOptions options for the pod's JVM, after the default {@code -Xmx512m} (so a later -Xmx wins) */
    public PodProcess(List<String> jvmOptions, String redisUrl, String... settings) {
        try {
            this.log = Files.createTempFile("jobwatch-pod-", ".log");
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
            command.addAll(jvmOptions);
            command.addAll(List.of(
                    "-cp",
                    System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                    JobwatchApplication.class.getName(),
                    "--server.port=0",
                    "--jobwatch.redis.url=" + redisUrl,
                    "--jobwatch.auth.tokens=producer-token-1",
                    "--jobwatch.token.secret=test-secret-for-jobwatch-0123456789"));
            for (String setting : settings) {
                command.add("--" + setting);
            }
            this.process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(this::listening);
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(this::ready);
    }

    private boolean listening() {
        if (!process.isAlive()) {
            throw new IllegalStateException("the pod exited; its log:\n" + log());
        }
        Matcher started = LISTENING.matcher(log());
        if (started.find()) {
            port = Integer.parseInt(started.group(1));
            return true;
        }
        return false;
    }

    public int port() {
        return port;
    }

    /** Whether the pod's readiness probe answers 200. */
    public boolean ready() {
        if (!process.isAlive()) {
            throw new IllegalStateException("the pod exited; its log:\n" + log());
        }
        try {
            HttpResponse<Void> response = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(
                                            URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness"))
                                    .timeout(Duration.ofSeconds(2))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Sends SIGTERM, as Kubernetes does, and gives back how long the pod took to exit. */
    public Duration terminate(Duration atMost) {
        long start = System.nanoTime();
        process.destroy();
        try {
            if (!process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("the pod did not exit within " + atMost + "; its log:\n" + log());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /**
     * The sum of a Prometheus series' samples whose labels contain {@code labels} (empty for all), from
     * the pod's {@code /actuator/prometheus}.
     */
    public double metric(String name, String labels) {
        try {
            String text = METRICS.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/prometheus"))
                                    .timeout(Duration.ofSeconds(30))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            double sum = 0;
            Matcher sample = SAMPLE.matcher(text);
            while (sample.find()) {
                if (sample.group(1).equals(name) && sample.group(2).contains(labels)) {
                    sum += Double.parseDouble(sample.group(3));
                }
            }
            return sum;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** File descriptors the pod holds open now (its sockets among them). */
    public long openFiles() {
        try (Stream<Path> descriptors = Files.list(Path.of("/proc", Long.toString(process.pid()), "fd"))) {
            return descriptors.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a full garbage collection in the pod, so that Netty's leak detector sees what was dropped. */
    public void collectGarbage() {
        try {
            Process jcmd = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "jcmd")
                                    .toString(),
                            Long.toString(process.pid()),
                            "GC.run")
                    .redirectErrorStream(true)
                    .start();
            if (!jcmd.waitFor(30, TimeUnit.SECONDS) || jcmd.exitValue() != 0) {
                throw new IllegalStateException("jcmd GC.run failed: "
                        + new String(jcmd.getInputStream().readAllBytes()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
            Files.deleteIfExists(log);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
