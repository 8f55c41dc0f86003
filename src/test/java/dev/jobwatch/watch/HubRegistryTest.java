package dev.jobwatch.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobwatch.job.JobRef;
import dev.jobwatch.store.Change;
import dev.jobwatch.store.ChangeFeed;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The hubs' lifecycle, in virtual time, over a change feed that never announces anything: no hub
 * here reads, so none needs a store, and what is counted is the job subscriptions a pod would hold.
 */
class HubRegistryTest {

    private static final Duration LINGER = Duration.ofMillis(200);
    private static final JobRef JOB = new JobRef("demo-ws", "job-1");
    private static final JobRef OTHER = new JobRef("demo-ws", "job-2");

    private final VirtualTimeScheduler clock = VirtualTimeScheduler.create();
    private final Feed feed = new Feed();

    @Test
    void watchersOfOneJobShareOneHubAndOneSubscription() {
        HubRegistry hubs = registry(LINGER);

        HubRegistry.Hold first = hubs.acquire(JOB);
        HubRegistry.Hold second = hubs.acquire(JOB);
        hubs.acquire(OTHER);

        assertThat(second.hub()).isSameAs(first.hub());
        assertThat(hubs.size()).isEqualTo(2);
        assertThat(feed.subscriptions()).isEqualTo(2);
    }

    @Test
    void aHubLingersAfterItsLastWatcherLeavesThenClosesAndUnsubscribes() {
        HubRegistry hubs = registry(LINGER);
        HubRegistry.Hold first = hubs.acquire(JOB);
        HubRegistry.Hold second = hubs.acquire(JOB);

        hubs.release(first);
        clock.advanceTimeBy(Duration.ofMinutes(1));
        assertThat(hubs.size()).as("one watcher still holds it").isEqualTo(1);

        hubs.release(second);
        clock.advanceTimeBy(LINGER.minusMillis(1));
        assertThat(hubs.size()).as("lingering").isEqualTo(1);
        assertThat(feed.subscriptions()).isEqualTo(1);

        clock.advanceTimeBy(Duration.ofMillis(1));
        assertThat(hubs.size()).isZero();
        assertThat(feed.subscriptions()).isZero();
    }

    @Test
    void aWatcherThatComesDuringTheLingerFindsTheHubWarmAndKeepsIt() {
        HubRegistry hubs = registry(LINGER);
        HubRegistry.Hold first = hubs.acquire(JOB);
        hubs.release(first);
        clock.advanceTimeBy(LINGER.dividedBy(2));

        HubRegistry.Hold again = hubs.acquire(JOB);
        clock.advanceTimeBy(Duration.ofMinutes(1));

        assertThat(again.hub()).isSameAs(first.hub());
        assertThat(hubs.size()).isEqualTo(1);
        assertThat(feed.subscribed.get()).as("no second subscription").isEqualTo(1);

        hubs.release(again);
        clock.advanceTimeBy(LINGER);
        assertThat(hubs.size()).isZero();
        assertThat(feed.subscriptions()).isZero();
    }

    @Test
    void withoutALingerTheLastWatcherClosesTheHubAtOnce() {
        HubRegistry hubs = registry(Duration.ZERO);

        hubs.release(hubs.acquire(JOB));

        assertThat(hubs.size()).isZero();
        assertThat(feed.subscriptions()).isZero();
    }

    @Test
    void aSpentHubIsReplacedForNewWatchersAndClosesWithItsLastOwn() {
        feed.failing = true;
        HubRegistry hubs = registry(LINGER);
        HubRegistry.Hold failed = hubs.acquire(JOB);
        assertThat(failed.hub().current().status()).isEqualTo(HubState.Status.FAILED);

        HubRegistry.Hold fresh = hubs.acquire(JOB);
        assertThat(fresh.hub()).isNotSameAs(failed.hub());
        assertThat(hubs.size()).isEqualTo(1);

        hubs.release(failed);
        hubs.release(fresh);
        clock.advanceTimeBy(LINGER);
        assertThat(hubs.size()).isZero();
        int tries = feed.subscribed.get();
        clock.advanceTimeBy(Duration.ofMinutes(10));
        assertThat(feed.subscribed.get())
                .as("no closed hub tries its feed again")
                .isEqualTo(tries);
    }

    private HubRegistry registry(Duration linger) {
        // No store, mapper or page: with a feed that announces nothing and an hourly tick, nothing is read.
        WatchReader reader = new WatchReader(
                null, feed, null, null, Duration.ofHours(1), clock, new WatchMetrics(new SimpleMeterRegistry()));
        return new HubRegistry(ref -> new JobHub(ref, reader), linger.toMillis(), clock);
    }

    /** A feed that never announces a change, or that fails at once, counting its subscriptions. */
    private static final class Feed implements ChangeFeed {

        final AtomicInteger subscribed = new AtomicInteger();
        private final AtomicInteger open = new AtomicInteger();
        boolean failing;

        @Override
        public Flux<Change> changes(JobRef ref) {
            Flux<Change> changes = failing ? Flux.error(new IllegalStateException("no Redis here")) : Flux.never();
            return changes.doOnSubscribe(subscription -> {
                        subscribed.incrementAndGet();
                        open.incrementAndGet();
                    })
                    .doFinally(signal -> open.decrementAndGet());
        }

        @Override
        public int subscriptions() {
            return open.get();
        }
    }
}
