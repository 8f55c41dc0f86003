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

    private BullMqNode() {
    }

    /** Skips the calling test (or fails it in CI) when Node or the BullMQ package is missing. */
    static void require() {
        NodeProject.require(PROJECT, "bullmq", "BullMQ interoperability needs Node and BullMQ");
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
