package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import tools.jackson.databind.JsonNode;

/**
 * The real BullMQ package, run by Node from {@code src/test/bullmq}. A test that needs it is skipped
 * without Node or {@code npm ci} ({@code src/test/bullmq/setup.sh}), unless {@code JOBWATCH_REQUIRE_NODE=1}
 * (CI), where that is a failure.
 */
final class BullMqNode {

    static final Path PROJECT = Path.of("src/test/bullmq").toAbsolutePath();

    private BullMqNode() {
    }

    /** Skips the calling test (or fails it in CI) when Node or the BullMQ package is missing. */
    static void require() {
        boolean node;
        try {
            Process version = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            node = version.waitFor(20, TimeUnit.SECONDS) && version.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            node = false;
        }
        boolean installed = Files.isDirectory(PROJECT.resolve("node_modules/bullmq"));
        String missing = !node ? "node is not on the PATH" : !installed ? "run src/test/bullmq/setup.sh (npm ci)" : null;
        if (missing != null) {
            if ("1".equals(System.getenv("JOBWATCH_REQUIRE_NODE"))) {
                fail("JOBWATCH_REQUIRE_NODE=1 but " + missing);
            }
            Assumptions.abort("BullMQ interoperability needs Node and BullMQ: " + missing);
        }
    }

    /** Starts a script of {@code src/test/bullmq} with that environment; its errors go to the test's. */
    static Process start(String script, Map<String, String> environment) throws IOException {
        ProcessBuilder builder = new ProcessBuilder("node", script).directory(PROJECT.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().putAll(environment);
        return builder.start();
    }

    /** A reader of the script's output, for {@link #message}. */
    static BufferedReader output(Process node) {
        return new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
    }

    /** The next line of the script's output that carries {@code key}, skipping anything else it prints. */
    static JsonNode message(BufferedReader out, String key) {
        try {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith("{")) {
                    JsonNode message = SseClient.JSON.readTree(line);
                    if (message.has(key)) {
                        return message;
                    }
                }
            }
            throw new IllegalStateException("the node script ended before it said " + key);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
