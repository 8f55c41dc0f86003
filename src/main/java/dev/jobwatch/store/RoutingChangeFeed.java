package dev.jobwatch.store;

import dev.jobwatch.job.JobRef;
import java.util.function.Predicate;
import reactor.core.publisher.Flux;

/** Each job's changes from the feed of the store that holds its namespace, as {@link JobSources} picks it. */
final class RoutingChangeFeed implements ChangeFeed {

    private final ChangeFeed own;
    private final ChangeFeed bullmq;
    private final Predicate<String> bullmqNamespace;

    RoutingChangeFeed(ChangeFeed own, ChangeFeed bullmq, Predicate<String> bullmqNamespace) {
        this.own = own;
        this.bullmq = bullmq;
        this.bullmqNamespace = bullmqNamespace;
    }

    @Override
    public Flux<Change> changes(JobRef ref) {
        return (bullmqNamespace.test(ref.namespace()) ? bullmq : own).changes(ref);
    }

    @Override
    public int subscriptions() {
        return own.subscriptions() + bullmq.subscriptions();
    }
}
