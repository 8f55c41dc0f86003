package dev.jobwatch.store.bullmq;

import dev.jobwatch.job.JobRef;
import dev.jobwatch.store.RedisConnections;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A queue of one test's own in the layout BullMQ writes, under the prefix the BullMQ tests configure,
 * written directly on the test's Redis and removed when the test closes it.
 */
public final class BullMqTestQueue implements AutoCloseable {

    /** The key prefix of the tests' BullMQ source ({@code jobwatch.bullmq.prefix}). */
    public static final String PREFIX = "jwtest-bullmq";

    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private final RedisConnections connections;
    private final String name = "q" + UUID.randomUUID().toString().substring(0, 8);

    public BullMqTestQueue(RedisConnections connections) {
        this.connections = connections;
    }

    public RedisClusterReactiveCommands<String, String> redis() {
        return connections.commands().block(DEADLINE);
    }

    /** The namespace under which jobwatch serves the queue. */
    public String namespace() {
        return BullMqQueues.NAMESPACE_PREFIX + name;
    }

    /** A key of the queue: {@code <prefix>:<queue>:<suffix>}. */
    public String key(String suffix) {
        return PREFIX + ":" + name + ":" + suffix;
    }

    /** A job as BullMQ's add leaves it (waiting), with {@code fields} over its defaults and its log rows. */
    public JobRef job(String id, Map<String, String> fields, String... rows) {
        Map<String, String> hash = new HashMap<>(Map.of(
                "name",
                "render",
                "data",
                "{\"n\":7}",
                "opts",
                "{\"attempts\":1}",
                "timestamp",
                "1700000000000",
                "delay",
                "0",
                "priority",
                "0"));
        hash.putAll(fields);
        redis().hset(key(id), hash).block(DEADLINE);
        if (rows.length > 0) {
            redis().rpush(key(id + ":logs"), rows).block(DEADLINE);
        }
        return new JobRef(namespace(), id);
    }

    @Override
    public void close() {
        List<String> keys = redis().keys(key("*")).collectList().block(DEADLINE);
        if (!keys.isEmpty()) {
            redis().del(keys.toArray(String[]::new)).block(DEADLINE);
        }
    }
}
