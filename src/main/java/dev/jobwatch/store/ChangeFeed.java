package dev.jobwatch.store;

import dev.jobwatch.job.JobRef;
import reactor.core.publisher.Flux;

/**
 * Tells a pod that a job changed, whichever pod wrote it.
 *
 * <p>Contract: {@link #changes} emits one signal as soon as the subscription is in place, so that a
 * reader that reads after it misses nothing, and then one per change notification. A signal may carry
 * what one write appended ({@link Change}), which a reader may apply only to the version just before
 * it; otherwise it reads the store, by its own cursor, to learn what changed. Signals not yet consumed
 * collapse into the latest, so a slow reader never makes the feed buffer (and a reader that missed one
 * sees a version it cannot apply to, and reads). A notification is lost only while the feed's
 * connection is away (pub/sub stores none); once the job's subscription is in place again the feed
 * emits a bare signal, as for the first, so a reader that reads after every bare signal misses nothing
 * and needs no timer of its own. At most one subscriber per job per pod: the caller shares it.
 * Cancelling the subscription unsubscribes the job.
 */
public interface ChangeFeed {

    Flux<Change> changes(JobRef ref);

    /** Jobs this pod is subscribed to now. */
    int subscriptions();
}
