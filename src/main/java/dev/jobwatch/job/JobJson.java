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
 * {@code progress} and {@code state}; and {@code omitted} when a stored value cannot be shown
 * ({@link JsonBudget}). Logs are never part of it.
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

    /**
     * The job's document. Never fails on what the store holds: a value that breaks the
     * {@link JsonBudget} is null, named under {@link JsonBudget#OMITTED} with why, and so are the values
     * the store itself could not keep (named under the same field of the metadata).
     */
    public static ObjectNode document(Job job, JsonMapper mapper) {
        JsonNode meta = meta(job, mapper);
        ObjectNode omitted = NODES.objectNode();
        ObjectNode doc = NODES.objectNode();
        doc.put("type", job.completed() ? "CompletedJob" : "QueuedJob");
        doc.put("workspace_id", job.ref().namespace());
        doc.put("id", job.ref().id());
        Fields fields = new Fields(doc, meta, omitted);
        fields.copy("parent_job", NODES.nullNode());
        fields.copy("created_by", NODES.stringNode("jobwatch"));
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
        fields.copy("script_hash", NODES.nullNode());
        fields.copy("script_path", NODES.nullNode());
        // Windmill's args are BullMQ's data when the producer gave no args of their own.
        fields.copy("args", meta.has("data") ? meta.get("data") : NODES.objectNode(), "data");
        fields.show("result", job.result(), mapper);
        doc.put("deleted", false);
        doc.put("canceled", job.canceled());
        doc.put("canceled_by", job.canceledBy());
        doc.put("canceled_reason", job.canceledReason());
        fields.copy("job_kind", NODES.stringNode("script"));
        fields.copy("schedule_path", NODES.nullNode());
        fields.copy("permissioned_as", NODES.stringNode("u/jobwatch"));
        fields.copy("flow_status", NODES.nullNode());
        fields.copy("workflow_as_code_status", NODES.nullNode());
        fields.copy("is_flow_step", NODES.booleanNode(false));
        fields.copy("language", NODES.nullNode());
        fields.copy("is_skipped", NODES.booleanNode(false));
        fields.copy("email", NODES.stringNode(""));
        fields.copy("visible_to_owner", NODES.booleanNode(true));
        fields.copy("mem_peak", NODES.nullNode());
        fields.copy("tag", NODES.stringNode(""));
        fields.copy("priority", NODES.nullNode());
        fields.copy("labels", NODES.nullNode());
        doc.put("running", job.state() == JobState.RUNNING);
        doc.put("state", job.state().wire());
        fields.copy("name", NODES.stringNode(""));
        fields.copy("data", NODES.objectNode());
        fields.copy("opts", NODES.objectNode());
        fields.show("progress", job.progress(), mapper);
        if (!omitted.isEmpty()) {
            doc.set(JsonBudget.OMITTED, omitted);
        }
        return doc;
    }

    /**
     * The metadata as its store wrote it; metadata that cannot be read at all (no store writes such)
     * stands as one that kept no data, for the reason the parser gave.
     */
    private static JsonNode meta(Job job, JsonMapper mapper) {
        JsonBudget.Shown read = JsonBudget.parse(job.meta(), mapper);
        if (read.omitted() == null && read.value().isObject()) {
            return read.value();
        }
        ObjectNode meta = NODES.objectNode();
        meta.putNull("data");
        meta.putObject(JsonBudget.OMITTED).put("data", read.omitted() == null ? JsonBudget.NOT_JSON : read.omitted());
        return meta;
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

    /** The document's fields from the metadata and the stored texts, each shown or named as omitted. */
    private record Fields(ObjectNode doc, JsonNode meta, ObjectNode omitted) {

        void copy(String field, JsonNode fallback) {
            copy(field, fallback, field);
        }

        /**
         * The metadata's {@code field}, else {@code fallback}, which comes from the metadata's
         * {@code source} (whose omission by the store then applies to this field too).
         */
        void copy(String field, JsonNode fallback, String source) {
            JsonNode value = meta.get(field);
            String kept = meta.path(JsonBudget.OMITTED)
                    .path(value == null ? source : field)
                    .stringValue(null);
            set(
                    field,
                    kept != null
                            ? new JsonBudget.Shown(NODES.nullNode(), kept)
                            : JsonBudget.Shown.of(value != null ? value : fallback));
        }

        /** A stored JSON text, null when there is none. */
        void show(String field, String text, JsonMapper mapper) {
            set(field, JsonBudget.show(text, mapper));
        }

        private void set(String field, JsonBudget.Shown shown) {
            doc.set(field, shown.value());
            if (shown.omitted() != null) {
                omitted.put(field, shown.omitted());
            }
        }
    }
}
