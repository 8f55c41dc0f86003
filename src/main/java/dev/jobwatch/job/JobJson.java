package dev.jobwatch.job;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The job object that both APIs answer: Windmill's job fields (tagged {@code QueuedJob} or
 * {@code CompletedJob}, as Windmill tags them) plus BullMQ's {@code name}, {@code data}, {@code opts},
 * {@code progress} and {@code state}. Logs are never part of it.
 */
public final class JobJson {

    /** The Windmill fields a producer may set when it adds a job; the server owns all the others. */
    public static final Set<String> PRODUCER_FIELDS = Set.of(
            "parent_job",
            "created_by",
            "script_hash",
            "script_path",
            "args",
            "job_kind",
            "schedule_path",
            "permissioned_as",
            "flow_status",
            "workflow_as_code_status",
            "is_flow_step",
            "language",
            "is_skipped",
            "email",
            "visible_to_owner",
            "mem_peak",
            "tag",
            "priority",
            "labels");

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JobJson() {}

    public static ObjectNode document(Job job, JsonMapper mapper) {
        JsonNode meta = mapper.readTree(job.meta());
        ObjectNode doc = NODES.objectNode();
        doc.put("type", job.completed() ? "CompletedJob" : "QueuedJob");
        doc.put("workspace_id", job.ref().namespace());
        doc.put("id", job.ref().id());
        copy(doc, meta, "parent_job", NODES.nullNode());
        copy(doc, meta, "created_by", NODES.stringNode("jobwatch"));
        doc.put("created_at", Instant.ofEpochMilli(job.createdAt()).toString());
        doc.put(
                "started_at",
                job.startedAt() == null
                        ? null
                        : Instant.ofEpochMilli(job.startedAt()).toString());
        if (job.completedAt() != null && job.startedAt() != null) {
            doc.put("duration_ms", job.completedAt() - job.startedAt());
        } else {
            doc.putNull("duration_ms");
        }
        doc.put("success", job.success());
        copy(doc, meta, "script_hash", NODES.nullNode());
        copy(doc, meta, "script_path", NODES.nullNode());
        copy(doc, meta, "args", meta.has("data") ? meta.get("data") : NODES.objectNode());
        doc.set("result", job.result() == null ? NODES.nullNode() : mapper.readTree(job.result()));
        doc.put("deleted", false);
        doc.put("canceled", job.canceled());
        doc.put("canceled_by", job.canceledBy());
        doc.put("canceled_reason", job.canceledReason());
        copy(doc, meta, "job_kind", NODES.stringNode("script"));
        copy(doc, meta, "schedule_path", NODES.nullNode());
        copy(doc, meta, "permissioned_as", NODES.stringNode("u/jobwatch"));
        copy(doc, meta, "flow_status", NODES.nullNode());
        copy(doc, meta, "workflow_as_code_status", NODES.nullNode());
        copy(doc, meta, "is_flow_step", NODES.booleanNode(false));
        copy(doc, meta, "language", NODES.nullNode());
        copy(doc, meta, "is_skipped", NODES.booleanNode(false));
        copy(doc, meta, "email", NODES.stringNode(""));
        copy(doc, meta, "visible_to_owner", NODES.booleanNode(true));
        copy(doc, meta, "mem_peak", NODES.nullNode());
        copy(doc, meta, "tag", NODES.stringNode(""));
        copy(doc, meta, "priority", NODES.nullNode());
        copy(doc, meta, "labels", NODES.nullNode());
        doc.put("running", job.state() == JobState.RUNNING);
        doc.put("state", job.state().wire());
        copy(doc, meta, "name", NODES.stringNode(""));
        copy(doc, meta, "data", NODES.objectNode());
        copy(doc, meta, "opts", NODES.objectNode());
        doc.set("progress", job.progress() == null ? NODES.nullNode() : mapper.readTree(job.progress()));
        return doc;
    }

    /** The result Windmill gives a canceled job, so clients show it as they would Windmill's. */
    public static String canceledResult(JsonMapper mapper, String reason, String canceledBy) {
        String message = "Job canceled: " + (reason == null ? "no reason given" : reason)
                + (canceledBy == null ? "" : " by " + canceledBy);
        ObjectNode error = NODES.objectNode();
        error.put("name", "Canceled");
        error.put("message", message);
        ObjectNode result = NODES.objectNode();
        result.set("error", error);
        return mapper.writeValueAsString(result);
    }

    /** Field names of the producer's job object that the add route accepts, besides the Windmill ones. */
    public static final List<String> BULLMQ_FIELDS = List.of("name", "data", "opts", "id");

    private static void copy(ObjectNode doc, JsonNode meta, String field, JsonNode fallback) {
        JsonNode value = meta.get(field);
        doc.set(field, value == null ? fallback : value);
    }
}
