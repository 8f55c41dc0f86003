package dev.jobwatch.store;

import dev.jobwatch.job.JobRef;

/**
 * The Redis names of one job: its hash, log, result stream, change channel, and the idempotency keys of
 * its writes with their order. They share the hash tag {@code {namespace/id}} so that a job lives in
 * one cluster slot and one script can touch all of them; '/' appears in neither part, so two jobs
 * never share a tag.
 */
record JobKeys(String job, String log, String stream, String channel, String keys, String keyOrder) {

    static JobKeys of(String prefix, JobRef ref) {
        String base = prefix + ":{" + ref.namespace() + "/" + ref.id() + "}:";
        return new JobKeys(
                base + "job", base + "log", base + "stream", base + "changes", base + "idem", base + "idem-order");
    }

    /**
     * The sorted set of a namespace's recent job ids, scored by creation time. Its tag {@code {namespace}}
     * holds no '/', so it never shares a job's tag, and usually not its slot.
     */
    static String recent(String prefix, String namespace) {
        return prefix + ":{" + namespace + "}:recent";
    }

    /** The keys every write script takes, in its order. */
    String[] all() {
        return new String[] {job, log, stream, channel, keys, keyOrder};
    }
}
