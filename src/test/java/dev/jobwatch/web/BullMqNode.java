package dev.jobwatch.web;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The real BullMQ package, run by Node from {@code src/test/bullmq}. A test that needs it is skipped
 * without Node or {@code npm ci} ({@code src/test/bullmq/setup.sh}), unless {@code JOBWATCH_REQUIRE_NODE=1}
 * (CI), where that is a failure.
 */
final class BullMqNode {

    static final Path PROJECT = Path.of("src/test/bullmq").toAbsolutePath();

    /** The package the project pins for the 5.x line, which brings its own ioredis. */
    static final String PINNED = "bullmq";

    /** The newest BullMQ (6.x), installed under an npm alias beside the ioredis it no longer brings. */
    static final String LATEST = "bullmq-latest";

    private BullMqNode() {}

    /** Skips the calling test (or fails it in CI) when Node or the pinned BullMQ package is missing. */
    static void require() {
        require(PINNED);
    }

    /** Skips the calling test (or fails it in CI) when Node or that BullMQ package is missing. */
    static void require(String bullmqPackage) {
        NodeProject.require(PROJECT, bullmqPackage, "BullMQ interoperability needs Node and " + bullmqPackage);
    }

    /** Starts a script of {@code src/test/bullmq} with that environment, on the pinned BullMQ. */
    static Process start(String script, Map<String, String> environment) throws IOException {
        return start(script, PINNED, environment);
    }

    /**
     * Starts a script of {@code src/test/bullmq} with that environment, driving that installed BullMQ
     * package; its errors go to the test's.
     */
    static Process start(String script, String bullmqPackage, Map<String, String> environment) throws IOException {
        ProcessBuilder builder = new ProcessBuilder("node", script)
                .directory(PROJECT.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().putAll(environment);
        builder.environment().put("BULLMQ_PACKAGE", bullmqPackage);
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
