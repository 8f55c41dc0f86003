package dev.jobwatch.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a simulation does before its load starts, outside Gatling's figures: checks the server is up and
 * adds the jobs the watchers will follow, through the producer route {@code POST /queues/{q}/jobs}.
 */
final class Setup {

    /** A job as the add route answered it: its job token (worker routes) and its watch token (watchers). */
    record Job(String namespace, String id, String token, String watchToken) {}

    static final ObjectMapper JSON = new ObjectMapper();
    private static final int BATCH = 500;

    private final String base;
    private final String producerToken;
    private final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    Setup(String base, String producerToken) {
        this.base = base;
        this.producerToken = producerToken;
    }

    /** Fails at once, with the reason, when the server does not answer its readiness probe. */
    void requireReady() {
        HttpResponse<String> response;
        try {
            response = client.send(
                    HttpRequest.newBuilder(URI.create(base + "/actuator/health/readiness"))
                            .timeout(Duration.ofSeconds(10))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("jobwatch does not answer at " + base + " (-Dbase): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (response.statusCode() != 200) {
            throw new IllegalStateException(
                    "jobwatch at " + base + " is not ready: " + response.statusCode() + " " + response.body());
        }
    }

    /** Adds one job per id in {@code namespace}, in batches, and answers them with their tokens. */
    List<Job> addJobs(String namespace, List<String> ids, String name) {
        List<Job> jobs = new ArrayList<>(ids.size());
        for (int from = 0; from < ids.size(); from += BATCH) {
            ArrayNode batch = JSON.createArrayNode();
            for (String id : ids.subList(from, Math.min(ids.size(), from + BATCH))) {
                batch.addObject()
                        .put("name", name)
                        .put("id", id)
                        .putObject("data")
                        .put("load_test", true);
            }
            JsonNode added = send("POST", "/queues/" + namespace + "/jobs", batch.toString());
            if (!added.isArray() || added.size() != batch.size()) {
                throw new IllegalStateException("adding " + batch.size() + " jobs answered " + added);
            }
            for (JsonNode job : added) {
                String token = job.path("token").asText("");
                String watchToken = job.path("watch_token").asText("");
                if (token.isEmpty()
                        || watchToken.isEmpty()
                        || !"queued".equals(job.path("state").asText())) {
                    throw new IllegalStateException("an added job lacks its tokens or is not queued: " + job);
                }
                jobs.add(new Job(namespace, job.path("id").asText(), token, watchToken));
            }
        }
        return jobs;
    }

    private JsonNode send(String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (!producerToken.isEmpty()) {
            request.header("Authorization", "Bearer " + producerToken);
        }
        try {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(
                        method + " " + path + " answered " + response.statusCode() + ": " + response.body()
                                + (response.statusCode() == 401 ? " (pass the producer token as -Dtoken)" : ""));
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
