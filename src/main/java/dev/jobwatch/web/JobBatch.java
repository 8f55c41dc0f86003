package dev.jobwatch.web;

import dev.jobwatch.job.InvalidInputException;
import dev.jobwatch.job.JobJson;
import dev.jobwatch.job.NewJob;
import java.nio.ByteBuffer;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A producer's batch of new jobs, checked as a whole before any is added: a non-empty JSON array of at
 * most {@code maxJobs} objects with known fields and distinct ids; a job without an id gets a random one.
 */
final class JobBatch {

    private final JsonMapper mapper;
    private final int maxJobs;
    private final SecureRandom ids = seededAtStart();

    JobBatch(JsonMapper mapper, int maxJobs) {
        this.mapper = mapper;
        this.maxJobs = maxJobs;
    }

    List<NewJob> jobs(JsonNode body) {
        if (!body.isArray()) {
            throw new InvalidInputException("Body must be a JSON array of jobs");
        }
        if (body.isEmpty()) {
            throw new InvalidInputException("Body must hold at least one job");
        }
        if (body.size() > maxJobs) {
            throw new ApiException(HttpStatus.CONTENT_TOO_LARGE, "Too many jobs in one request: at most " + maxJobs);
        }
        List<NewJob> jobs = new ArrayList<>(body.size());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < body.size(); i++) {
            NewJob job = newJob(body.get(i), "Job " + i);
            if (!seen.add(job.id())) {
                throw new InvalidInputException("Job id " + job.id() + " appears twice in this request");
            }
            jobs.add(job);
        }
        return jobs;
    }

    private NewJob newJob(JsonNode node, String where) {
        if (!node.isObject()) {
            throw new InvalidInputException(where + " must be a JSON object");
        }
        ObjectNode meta = mapper.createObjectNode();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            String name = field.getKey();
            if (!JobJson.PRODUCER_FIELDS.contains(name) && !JobJson.BULLMQ_FIELDS.contains(name)) {
                throw new InvalidInputException(where + " has an unknown field \"" + name + "\"");
            }
            if (!name.equals("id")) {
                meta.set(name, field.getValue());
            }
        }
        if (meta.has("name") && !meta.get("name").isString()) {
            throw new InvalidInputException(where + ": \"name\" must be a string");
        }
        if (meta.has("opts") && !meta.get("opts").isObject()) {
            throw new InvalidInputException(where + ": \"opts\" must be a JSON object");
        }
        JsonNode id = node.has("id") ? node.get("id") : node.path("opts").get("jobId");
        if (id != null && !id.isNull() && !id.isString()) {
            throw new InvalidInputException(where + ": \"id\" must be a string");
        }
        String jobId = id == null || id.isNull() ? randomId() : id.stringValue();
        try {
            return new NewJob(jobId, mapper.writeValueAsString(meta));
        } catch (InvalidInputException e) {
            throw new InvalidInputException(where + ": " + e.getMessage());
        }
    }

    /**
     * A random (version 4) UUID. {@link UUID#randomUUID} reads the OS entropy source on the calling
     * thread, which here is an event loop; a DRBG seeded once at start makes the same kind of id from
     * memory alone. The ids stay unguessable, which matters when watchers are open.
     */
    private String randomId() {
        byte[] bytes = new byte[16];
        ids.nextBytes(bytes);
        bytes[6] = (byte) ((bytes[6] & 0x0f) | 0x40);
        bytes[8] = (byte) ((bytes[8] & 0x3f) | 0x80);
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        return new UUID(buffer.getLong(), buffer.getLong()).toString();
    }

    private static SecureRandom seededAtStart() {
        try {
            SecureRandom random = SecureRandom.getInstance("DRBG");
            random.nextBytes(new byte[16]);
            return random;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
