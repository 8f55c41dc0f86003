package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jobwatch.TestRedis;
import dev.jobwatch.TestServer;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.springframework.boot.web.server.PortInUseException;

/**
 * The job page in a real browser: headless Chromium, driven by {@code src/test/browser/job-page.test.mjs}
 * with Playwright, watches a job while the script writes 200 rows and progress through the worker API;
 * halfway the server stops and starts again on the same port, and the page must end with every row
 * exactly once, the last progress and the result. Later every connection of the browser is cut (a relay
 * in front of the server drops them, with no last event), and the browser's own reconnect, which sends
 * {@code Last-Event-ID}, must resume as exactly. Last, the page at an address that does not decode must
 * show an error state, without a script error. The screenshot goes to {@code target/job-page.png}.
 *
 * <p>Without Chromium or the script's {@code node_modules} ({@code src/test/browser/setup.sh} installs
 * both) the test is skipped, unless {@code JOBWATCH_REQUIRE_BROWSER=1} (CI) makes it fail.
 */
class JobPageBrowserIntegrationTest {

    private static final Path BROWSER_DIR = Path.of("src/test/browser");
    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
    private static final long SCRIPT_MINUTES = 3;
    private static final String WATCH_AUTH = "jobwatch.watch.auth=token";

    @Test
    void thePageFollowsAJobThroughAServerRestartToItsResult() throws Exception {
        requireBrowser();
        try (TestRedis redis = new TestRedis()) {
            // The server picks its port (a probed one may be taken before it binds); the restart reuses it.
            TestServer server = new TestServer(redis.url(), WATCH_AUTH);
            int port = server.port();
            try (DroppingProxy proxy = new DroppingProxy(port)) {
                WorkerApiClient api = new WorkerApiClient(port);
                Map<String, Object> added = api.added("page-1");
                String jobToken = (String) added.get("token");
                String watchToken = (String) added.get("watch_token");

                Map<String, String> env = Map.of(
                        "BASE_URL",
                        "http://127.0.0.1:" + port,
                        "PAGE_URL",
                        "http://127.0.0.1:" + proxy.port(),
                        "NAMESPACE",
                        api.namespace,
                        "JOB_ID",
                        "page-1",
                        "JOB_TOKEN",
                        jobToken,
                        "WATCH_TOKEN",
                        watchToken,
                        "PRODUCER_TOKEN",
                        WorkerApiClient.PRODUCER,
                        "SCREENSHOT",
                        Path.of("target/job-page.png").toAbsolutePath().toString(),
                        "CHROMIUM",
                        CHROMIUM.toString());
                Process script = start(env);
                List<String> output = new ArrayList<>();
                int sentBeforeDrop = 0;
                try (BufferedReader out = new BufferedReader(
                                new InputStreamReader(script.getInputStream(), StandardCharsets.UTF_8));
                        Writer in = new OutputStreamWriter(script.getOutputStream(), StandardCharsets.UTF_8)) {
                    for (String line; (line = out.readLine()) != null; ) {
                        output.add(line);
                        System.out.println("job-page.test.mjs: " + line);
                        if (line.equals("RESTART")) {
                            server.close();
                            server = restart(redis.url(), port);
                            in.write("RESTARTED\n");
                            in.flush();
                        }
                        if (line.equals("DROP")) {
                            sentBeforeDrop = proxy.sentByClients().length();
                            proxy.dropAll();
                            in.write("DROPPED\n");
                            in.flush();
                        }
                    }
                }
                if (!script.waitFor(SCRIPT_MINUTES, TimeUnit.MINUTES)) {
                    script.destroyForcibly();
                    fail("job-page.test.mjs did not end within " + SCRIPT_MINUTES + " minutes");
                }
                assertThat(script.exitValue())
                        .as("job-page.test.mjs exit status; its output:\n%s", String.join("\n", output))
                        .isZero();
                assertThat(output).contains("RESTART", "DROP", "PASSED");
                assertThat(proxy.sentByClients().substring(sentBeforeDrop))
                        .as("the browser came back after the drop with the id of the last event it had")
                        .containsPattern("(?i)\r\nLast-Event-ID: \\d+:\\d+:1\r\n");
            } finally {
                server.close();
            }
        }
    }

    private static Process start(Map<String, String> env) throws IOException {
        ProcessBuilder builder = new ProcessBuilder("node", "job-page.test.mjs")
                .directory(BROWSER_DIR.toFile())
                .redirectErrorStream(true);
        builder.environment().putAll(env);
        return builder.start();
    }

    /** Skips without a browser to drive, unless CI asks for it. */
    private static void requireBrowser() {
        List<String> missing = new ArrayList<>();
        if (!Files.isExecutable(CHROMIUM)) {
            missing.add(CHROMIUM + " (apt-get install chromium)");
        }
        if (!onPath("node")) {
            missing.add("node");
        }
        if (!Files.isDirectory(BROWSER_DIR.resolve("node_modules/playwright-core"))) {
            missing.add(BROWSER_DIR + "/node_modules (npm ci in " + BROWSER_DIR + ")");
        }
        if (missing.isEmpty()) {
            return;
        }
        String message = "no browser to drive: missing " + String.join(" and ", missing)
                + "; src/test/browser/setup.sh installs both";
        if ("1".equals(System.getenv("JOBWATCH_REQUIRE_BROWSER"))) {
            fail(message + " (JOBWATCH_REQUIRE_BROWSER=1)");
        }
        Assumptions.abort(message);
    }

    private static boolean onPath(String command) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, command)));
    }

    /** A server again on the port of the one just stopped; another process may hold it for a moment. */
    private static TestServer restart(String redisUrl, int port) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                return new TestServer(redisUrl, WATCH_AUTH, "server.port=" + port);
            } catch (RuntimeException e) {
                if (!portInUse(e) || System.nanoTime() > deadline) {
                    throw e;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            }
        }
    }

    private static boolean portInUse(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof PortInUseException) {
                return true;
            }
        }
        return false;
    }
}
