package dev.jobwatch.store.bullmq;

import dev.jobwatch.config.BullMqProperties;
import dev.jobwatch.job.JobNotFoundException;
import dev.jobwatch.job.JobRef;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import reactor.core.publisher.Mono;

/**
 * Which namespaces are BullMQ queues, and BullMQ's Redis names for them. A namespace is
 * {@code bullmq.} followed by the queue's name: the prefix keeps BullMQ's queues apart from jobwatch's
 * own namespaces and makes a queue name of one or two characters a valid namespace.
 *
 * @param all    every queue is served, not only {@code queues}
 */
public record BullMqQueues(String prefix, Set<String> queues, boolean all) {

    public static final String NAMESPACE_PREFIX = "bullmq.";

    public static BullMqQueues of(BullMqProperties properties) {
        String queues = properties.queues().trim();
        Set<String> names = queues.equals("*")
                ? Set.of()
                : Arrays.stream(queues.split(","))
                        .map(String::trim)
                        .filter(name -> !name.isEmpty())
                        .collect(Collectors.toUnmodifiableSet());
        return new BullMqQueues(properties.prefix(), names, queues.equals("*"));
    }

    /** Whether the namespace is BullMQ's, whether or not its queue is served. */
    public boolean owns(String namespace) {
        return namespace.startsWith(NAMESPACE_PREFIX);
    }

    /** Whether jobwatch serves the namespace's queue; the jobs of a queue not served are not found. */
    boolean serves(String namespace) {
        if (!owns(namespace)) {
            return false;
        }
        String queue = queue(namespace);
        return !queue.isEmpty() && (all || queues.contains(queue));
    }

    /** A queue that jobwatch does not serve has no jobs as far as its clients can tell. */
    Mono<Void> served(JobRef ref) {
        return serves(ref.namespace()) ? Mono.empty() : Mono.error(new JobNotFoundException());
    }

    static String queue(String namespace) {
        return namespace.substring(NAMESPACE_PREFIX.length());
    }

    String queueKey(String queue) {
        return prefix + ":" + queue;
    }

    String events(String queue) {
        return queueKey(queue) + ":events";
    }

    String meta(String queue) {
        return queueKey(queue) + ":meta";
    }

    String job(JobRef ref) {
        return queueKey(queue(ref.namespace())) + ":" + ref.id();
    }

    String logs(JobRef ref) {
        return job(ref) + ":logs";
    }

    String logs(String queue, String id) {
        return queueKey(queue) + ":" + id + ":logs";
    }

    String lock(JobRef ref) {
        return job(ref) + ":lock";
    }

    /**
     * jobwatch's own keys beside BullMQ's: the idempotency keys of a job's writes, and their order. In the
     * job's slot, as BullMQ's prefix is a hash tag on a cluster; never a job, as neither is a hash with a
     * {@code timestamp}.
     */
    String idempotencyKeys(JobRef ref) {
        return job(ref) + ":jobwatch-idem";
    }

    String idempotencyKeyOrder(JobRef ref) {
        return job(ref) + ":jobwatch-idem-order";
    }
}
