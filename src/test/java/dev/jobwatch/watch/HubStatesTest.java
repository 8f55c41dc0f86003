package dev.jobwatch.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** How a hub's watchers hear its states: the latest replayed to each, or one relay a loop. */
class HubStatesTest {

    private final HubStates states = new HubStates();
    private final Scheduler loop = Schedulers.newSingle("loop");
    private final Scheduler otherLoop = Schedulers.newSingle("other-loop");

    @AfterEach
    void stopLoops() {
        loop.dispose();
        otherLoop.dispose();
    }

    @Test
    void latestGivesEachNewSubscriberTheCurrentStateAtOnceThenEachNewOne() {
        HubState first = HubState.notFound();
        states.publish(first);
        List<HubState> heard = new ArrayList<>();

        states.latest().subscribe(heard::add);
        HubState second = HubState.failed(new IllegalStateException("boom"));
        states.publish(second);

        assertThat(heard).containsExactly(first, second);
        assertThat(states.current()).isSameAs(second);
    }

    @Test
    void aLoopsWatchersShareOneRelayThatReplaysNothingToLaterOnesAndIsHeardOnTheLoop() {
        HubState first = HubState.notFound();
        states.publish(first);
        Flux<HubState> relay = states.relayOn(loop);
        assertThat(states.relayOn(loop)).as("one relay a loop").isSameAs(relay);
        assertThat(states.relayOn(otherLoop)).as("another loop's").isNotSameAs(relay);
        List<HubState> early = new CopyOnWriteArrayList<>();
        List<HubState> late = new CopyOnWriteArrayList<>();
        List<String> threads = new CopyOnWriteArrayList<>();

        Disposable one = relay.doOnNext(
                        state -> threads.add(Thread.currentThread().getName()))
                .subscribe(early::add);
        await().atMost(Duration.ofSeconds(10)).until(() -> early.size() == 1);
        Disposable two = relay.subscribe(late::add);
        HubState next = HubState.failed(new IllegalStateException("boom"));
        states.publish(next);
        await().atMost(Duration.ofSeconds(10)).until(() -> late.size() == 1);

        assertThat(early).as("the relay's own subscription hears the latest").containsExactly(first, next);
        assertThat(late)
                .as("nothing replayed to a later watcher, which reads current() itself")
                .containsExactly(next);
        assertThat(threads).allSatisfy(thread -> assertThat(thread).startsWith("loop-"));
        one.dispose();
        two.dispose();
    }
}
