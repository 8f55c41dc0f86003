package dev.jobwatch.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobwatch.job.JobRef;
import dev.jobwatch.job.JobState;
import dev.jobwatch.store.StoreUnavailableException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;
import tools.jackson.core.StreamWriteConstraints;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.json.JsonReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * One watcher's stream ({@link WatchStream}) as its client sees it, in virtual time, over a hub
 * that publishes states by hand: no Redis, no sleeping. Every hub state here keeps the whole log and all
 * chunks in its windows, so watchers never need the store.
 */
class WatchStreamTest {

    private static final Duration CADENCE = Duration.ofMillis(100);
    private static final Duration PING = Duration.ofSeconds(5);
    private static final Duration LIFETIME = Duration.ofSeconds(60);
    private static final Duration RETRY = Duration.ofSeconds(1);
    /** Real time a verification may take before it is deemed stuck (all waits here are virtual). */
    private static final Duration STUCK = Duration.ofSeconds(10);

    private static final JobRef REF = new JobRef("demo-ws", "job-1");

    /** Reads what the server sent, as a client would. */
    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    /** Reads the expectations written in this test, with single quotes for readability. */
    private static final JsonMapper EXPECTED =
            JsonMapper.builder().enable(JsonReadFeature.ALLOW_SINGLE_QUOTES).build();

    // WatchOptions(running, logOffset, streamOffset, getProgress, onlyResult, noLogs)
    private static final WatchOptions FROM_START = new WatchOptions(false, 0, 0, false, false, false);
    private static final WatchOptions KNOWS_IT_RUNS = new WatchOptions(true, 0, 0, false, false, false);
    private static final WatchOptions GET_PROGRESS = new WatchOptions(false, 0, 0, true, false, false);
    private static final WatchOptions ONLY_RESULT = new WatchOptions(false, 0, 0, true, true, false);
    private static final WatchOptions NO_LOGS = new WatchOptions(false, 0, 0, false, false, true);

    /** Streams here tell nobody what they send. */
    private static final WatchStream.Listener UNHEARD = new WatchStream.Listener() {};

    /** The clock of the tests that subscribe by hand. */
    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();

    private final Hub hub = new Hub();

    // ---------------------------------------------------------------- first update

    @Test
    void firstUpdateGoesOutAtOnceWithEverythingSoFar() {
        hub.log("hello\n").chunks("a", "b").publish();

        watching(FROM_START)
                .expectSubscription()
                .assertNext(is("{'type': 'update', 'completed': false, 'new_logs': 'hello\\n', 'log_offset': 7,"
                        + " 'new_result_stream': 'ab', 'stream_offset': 2}"))
                .thenCancel()
                .verify(STUCK);
    }

    @Test
    void firstUpdateGoesOutAtOnceEvenWhenTheClientAlreadyHasEverything() {
        hub.log("hello\n").chunks("a").publish();
        WatchOptions upToDate = new WatchOptions(false, 6, 1, false, false, false);

        watching(upToDate)
                .expectSubscription()
                .assertNext(is("{'type': 'update', 'completed': false, 'log_offset': 7, 'stream_offset': 1}"))
                .thenCancel()
                .verify(STUCK);
    }

    @Test
    void firstUpdateWaitsForTheHubsFirstStateThenGoesOutAtOnce() {
        watching(FROM_START)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(1500))
                .then(() -> hub.log("late\n").publish())
                .assertNext(is("{'type': 'update', 'completed': false, 'new_logs': 'late\\n', 'log_offset': 6,"
                        + " 'stream_offset': 0}"))
                .thenCancel()
                .verify(STUCK);
    }

    // ---------------------------------------------------------------- cadence and coalescing

    @Test
    void changesWithinTheCadenceArriveTogetherInOneUpdateAfter100ms() {
        hub.log("start\n").publish();

        watching(FROM_START)
                .expectSubscription()
                .assertNext(update ->
                        assertThat(json(update).get("log_offset").asLong()).isEqualTo(7))
                .expectNoEvent(Duration.ofMillis(10))
                .then(() -> hub.log("one\n").publish())
                .expectNoEvent(Duration.ofMillis(10))
                .then(() -> hub.log("two 日本\n").publish())
                .expectNoEvent(Duration.ofMillis(10))
                .then(() -> hub.log("three 😀\n").publish())
                .expectNoEvent(Duration.ofMillis(69))
                .thenAwait(Duration.ofMillis(1))
                // at +100 ms: 6 + 4 + 7 + 8 code points so far
                .assertNext(is("{'type': 'update', 'new_logs': 'one\\ntwo 日本\\nthree 😀\\n', 'log_offset': 26}"))
                .expectNoEvent(Duration.ofMillis(900))
                .then(() -> hub.log("four\n").publish())
                // at +1 s, after a quiet period: at once
                .assertNext(is("{'type': 'update', 'new_logs': 'four\\n', 'log_offset': 31}"))
                .thenCancel()
                .verify(STUCK);
    }

    @Test
    void aChangeDuringTheRestAfterAnUpdateWaitsForTheRestToEnd() {
        hub.log("a").publish();

        watching(FROM_START)
                .expectSubscription()
                .expectNextCount(1)
                .expectNoEvent(Duration.ofSeconds(1))
                .then(() -> hub.log("b").publish())
                .assertNext(is("{'type': 'update', 'new_logs': 'b', 'log_offset': 3}"))
                .expectNoEvent(Duration.ofMillis(50))
                .then(() -> hub.log("c").publish())
                .expectNoEvent(Duration.ofMillis(49))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(is("{'type': 'update', 'new_logs': 'c', 'log_offset': 4}"))
                .thenCancel()
                .verify(STUCK);
    }

    @Test
    void aSteadyTrickleOfLogsArrivesAtMostOnceEvery100msWithNothingLostOrRepeated() {
        List<Long> times = new ArrayList<>();
        List<JsonNode> updates = new ArrayList<>();
        StringBuilder written = new StringBuilder("start\n");
        hub.log("start\n").publish();

        Disposable watching = hub.watch(FROM_START, vts).subscribe(event -> {
            times.add(vts.now(TimeUnit.MILLISECONDS));
            updates.add(json(event));
        });
        for (int i = 1; i <= 60; i++) {
            vts.advanceTimeBy(Duration.ofMillis(7));
            String line = "line " + i + (i % 3 == 0 ? " é日本😀" : "") + "\n";
            written.append(line);
            hub.log(line).publish();
        }
        vts.advanceTimeBy(Duration.ofSeconds(1));
        watching.dispose();

        assertThat(updates)
                .allSatisfy(update -> assertThat(update.get("type").asString()).isEqualTo("update"));
        StringBuilder received = new StringBuilder();
        for (JsonNode update : updates) {
            received.append(update.get("new_logs").asString());
            assertThat(update.get("log_offset").asLong())
                    .as("log_offset after %s", update)
                    .isEqualTo(received.codePointCount(0, received.length()) + 1);
        }
        assertThat(received.toString()).isEqualTo(written.toString());
        for (int i = 1; i < times.size(); i++) {
            assertThat(times.get(i) - times.get(i - 1))
                    .as("time between updates %d and %d", i - 1, i)
                    .isGreaterThanOrEqualTo(CADENCE.toMillis());
        }
        // 420 ms of writes: the first update at once, then one per 100 ms.
        assertThat(times).containsExactly(0L, 100L, 200L, 300L, 400L, 500L);
    }

    @Test
    void aClientThatStopsReadingGetsFewerLargerUpdatesWithNothingLost() {
        StringBuilder written = new StringBuilder("start\n");
        hub.log("start\n").publish();
        SlowClient client = new SlowClient();

        hub.watch(FROM_START, vts).subscribe(client);
        client.read(1);
        for (int i = 1; i <= 100; i++) { // 15 s of a line every 150 ms, unread
            vts.advanceTimeBy(Duration.ofMillis(150));
            String line = "line " + i + "\n";
            written.append(line);
            hub.log(line).publish();
        }
        client.read(Long.MAX_VALUE);
        vts.advanceTimeBy(Duration.ofSeconds(1));
        client.dispose();

        // The first update, at most one made ahead and one waiting for demand, then all the rest at once
        // (100 changes, not 100 updates).
        List<JsonNode> updates = client.updates();
        assertThat(updates).hasSizeBetween(2, 4);
        StringBuilder received = new StringBuilder();
        updates.forEach(update -> received.append(update.get("new_logs").asString()));
        assertThat(received.toString()).isEqualTo(written.toString());
        assertThat(updates.get(updates.size() - 1).get("log_offset").asLong())
                .isEqualTo(written.codePointCount(0, written.length()) + 1);
    }

    @Test
    void aClientWhoseConnectionIsFullGetsNoUpdateMadeUntilItDrainsThenOneWithEverything() {
        StringBuilder written = new StringBuilder("start\n");
        hub.log("start\n").publish();
        AtomicBoolean writable = new AtomicBoolean(true);
        List<WatchEvent> made = new ArrayList<>();
        // Unbounded demand, as a server's send prefetch gives: only writability holds updates back.
        Disposable stream = hub.watch(FROM_START, vts, PING, LIFETIME, writable::get)
                .filter(event -> event.id() != null)
                .subscribe(made::add);
        assertThat(made).hasSize(1);
        writable.set(false);
        for (int i = 1; i <= 100; i++) { // 15 s of a line every 150 ms, while the connection is full
            vts.advanceTimeBy(Duration.ofMillis(150));
            String line = "line " + i + "\n";
            written.append(line);
            hub.log(line).publish();
        }
        assertThat(made).as("updates made while the connection was full").hasSize(1);

        writable.set(true);
        vts.advanceTimeBy(Duration.ofMillis(100));
        stream.dispose();

        assertThat(made).hasSize(2);
        StringBuilder received = new StringBuilder();
        made.forEach(event -> received.append(json(event).get("new_logs").asString()));
        assertThat(received.toString()).isEqualTo(written.toString());
    }

    // ---------------------------------------------------------------- running

    @Test
    void runningIsSentOnceWhenTheJobStartsToRun() {
        hub.publish();

        watching(FROM_START)
                .expectSubscription()
                .assertNext(is("{'type': 'update', 'completed': false, 'log_offset': 1, 'stream_offset': 0}"))
                .expectNoEvent(Duration.ofSeconds(1))
                .then(() -> hub.running().publish())
                .assertNext(is("{'type': 'update', 'running': true}"))
                .expectNoEvent(Duration.ofSeconds(1))
                .then(() -> hub.log("working\n").publish())
                .assertNext(is("{'type': 'update', 'new_logs': 'working\\n', 'log_offset': 9}"))
                .thenCancel()
                .verify(STUCK);
    }

    @Test
    void aJobAlreadyRunningIsSaidToRunInTheFirstUpdateOnly() {
        hub.running().log("a").publish();

        watching(FROM_START)
                .expectSubscription()
                .assertNext(is("{'type': 'update', 'running': true, 'completed': false, 'new_logs': 'a',"
                        + " 'log_offset': 2, 'stream_offset': 0}"))
                .expectNoEvent(Duration.ofSeconds(1))
                .then(() -> hub.log("b").publish())
                .assertNext(is("{'type': 'update', 'new_logs': 'b', 'log_offset': 3}"))
                .thenCancel()
                .verify(STUCK);
    }

    @Test
    void runningIsNeverSentToAClientThatAlreadyKnowsTheJobRuns() {
        hub.publish();

        watching(KNOWS_IT_RUNS)
                .expectSubscription()
                .assertNext(is("{'type': 'update', 'completed': false, 'log_offset': 1, 'stream_offset': 0}"))
                .expectNoEvent(Duration.ofSeconds(1))
                .then(() -> hub.running().publish())
                .expectNoEvent(Duration.ofSeconds(1))
                .then(() -> hub.log("a").publish())
                .assertNext(is("{'type': 'update', 'new_logs': 'a', 'log_offset': 2}"))
                .thenCancel()
                .verify(STUCK);
    }

    // ---------------------------------------------------------------- progress

    @Test
    void progressIsSentWhenItChangesAndNotRepeatedWhenItDoesNot() {
        hub.running().progress("10").publish();

        watching(GET_PROGRESS)
                .expectSubscription()
                .assertNext(is("{'type': 'update', 'running': true, 'completed': false, 'log_offset': 1,"
                        + " 'stream_offset': 0, 'progress': 10}"))
                .expectNoEvent(Duration.ofSeconds(1))
                .then(() -> hub.log("a").publish())
                .assertNext(is("{'type': 'update', 'new_logs': 'a', 'log_offset': 2}"))
                .expectNoEvent(Duration.ofSeconds(1))
                .then(() -> hub.publish())
                .expectNoEvent(Duration.ofSeconds(1))
                .then(() -> hub.progress("20").publish())
                .assertNext(is("{'type': 'update', 'progress': 20}"))
                .thenCancel()
                .verify(STUCK);
    }

    @Test
    void progressIsNeverSentWithoutGetProgress() {
        hub.running().progress("10").publish();

        watching(FROM_START)
                .expectSubscription()
                .assertNext(is("{'type': 'update', 'running': true, 'completed': false, 'log_offset': 1,"
                        + " 'stream_offset': 0}"))
                .expectNoEvent(Duration.ofSeconds(1))
                .then(() -> hub.progress("20").publish())
                .expectNoEvent(Duration.ofSeconds(1))
                .then(() -> hub.progress("30").log("a").publish())
                .assertNext(is("{'type': 'update', 'new_logs': 'a', 'log_offset': 2}"))
                .thenCancel()
                .verify(STUCK);
    }

    // ---------------------------------------------------------------- only_result and no_logs

    @Test
    void onlyResultSendsNothingButTheResultStreamAndTheResult() {
        hub.running().log("lots of logs\n").chunks("a", "b").progress("5").publish();

        watching(ONLY_RESULT)
                .expectSubscription()
                .assertNext(is("{'type': 'update', 'completed': false, 'new_result_stream': 'ab', 'stream_offset': 2}"))
                .expectNoEvent(Duration.ofSeconds(1))
                .then(() -> hub.log("more logs\n").progress("6").publish())
                .expectNoEvent(Duration.ofSeconds(1))
                .then(() -> hub.chunks("c").publish())
                .assertNext(is("{'type': 'update', 'new_result_stream': 'c', 'stream_offset': 3}"))
                .expectNoEvent(Duration.ofSeconds(1))
                .then(() -> hub.log("bye\n").completed("{'answer': 42}").publish())
                .assertNext(
                        is("{'type': 'update', 'completed': true, 'only_result': {'answer': 42}, 'stream_offset': 3}"))
                .verifyComplete();
    }

    @Test
    void noLogsNeverSendsLogsNorLogOffset() {
        hub.running().log("secret\n").chunks("x").publish();

        watching(NO_LOGS)
                .expectSubscription()
                .assertNext(is("{'type': 'update', 'running': true, 'completed': false, 'new_result_stream': 'x',"
                        + " 'stream_offset': 1}"))
                .expectNoEvent(Duration.ofSeconds(1))
                .then(() -> hub.log("more secrets\n").publish())
                .expectNoEvent(Duration.ofSeconds(1))
                .then(() -> hub.log("last\n").completed("'ok'").publish())
                .assertNext(update -> {
                    JsonNode json = json(update);
                    assertThat(json.propertyNames())
                            .containsExactlyInAnyOrder("type", "completed", "job", "stream_offset");
                    assertThat(json.get("completed").asBoolean()).isTrue();
                    assertThat((Object) json.get("job")).isEqualTo(hub.job);
                })
                .verifyComplete();
    }

    // ---------------------------------------------------------------- completion

    @Test
    void completionSendsOneFinalUpdateWithTheJobAndEndsTheStream() {
        hub.running().log("working\n").publish();

        watching(KNOWS_IT_RUNS)
                .expectSubscription()
                .expectNextCount(1)
                .expectNoEvent(Duration.ofSeconds(1))
                .then(() -> hub.log("done\n")
                        .chunks("r")
                        .completed("{'answer': 42}")
                        .publish())
                .assertNext(update -> {
                    JsonNode json = json(update);
                    assertThat(json.propertyNames())
                            .containsExactlyInAnyOrder(
                                    "type",
                                    "completed",
                                    "new_logs",
                                    "log_offset",
                                    "new_result_stream",
                                    "stream_offset",
                                    "job");
                    assertThat(json.get("completed").asBoolean()).isTrue();
                    assertThat(json.get("new_logs").asString()).isEqualTo("done\n");
                    assertThat(json.get("log_offset").asLong()).isEqualTo(14);
                    assertThat(json.get("new_result_stream").asString()).isEqualTo("r");
                    assertThat(json.get("stream_offset").asLong()).isEqualTo(1);
                    assertThat((Object) json.get("job")).isEqualTo(hub.job);
                    assertThat(json.get("job").get("result").get("answer").asInt())
                            .isEqualTo(42);
                    assertThat(update.last()).isTrue();
                })
                .verifyComplete();
    }

    @Test
    void aJobCompletedBeforeTheClientCameGetsOneUpdateAndTheEnd() {
        hub.log("all done\n").completed("[1, 2]").publish();

        watching(FROM_START)
                .expectSubscription()
                .assertNext(update -> {
                    JsonNode json = json(update);
                    assertThat(json.get("completed").asBoolean()).isTrue();
                    assertThat(json.get("new_logs").asString()).isEqualTo("all done\n");
                    assertThat(json.get("log_offset").asLong()).isEqualTo(10);
                    assertThat((Object) json.get("job")).isEqualTo(hub.job);
                    assertThat(json.has("running")).isFalse();
                })
                .verifyComplete();
    }

    @Test
    void completionDuringTheRestGoesOutWhenTheRestEndsWithTheLogsBeforeIt() {
        hub.running().log("a").publish();

        watching(KNOWS_IT_RUNS)
                .expectSubscription()
                .expectNextCount(1)
                .expectNoEvent(Duration.ofMillis(10))
                .then(() -> hub.log("b").publish())
                .expectNoEvent(Duration.ofMillis(10))
                .then(() -> hub.log("c").completed("null").publish())
                .expectNoEvent(Duration.ofMillis(79))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(update -> {
                    JsonNode json = json(update);
                    assertThat(json.get("completed").asBoolean()).isTrue();
                    assertThat(json.get("new_logs").asString()).isEqualTo("bc");
                    assertThat(json.get("log_offset").asLong()).isEqualTo(4);
                    assertThat((Object) json.get("job")).isEqualTo(hub.job);
                })
                .verifyComplete();
    }

    @Test
    void afterTheFinalUpdateNoTimerFiresAnyMore() {
        CountingScheduler clock = new CountingScheduler(vts);
        List<WatchEvent> seen = new ArrayList<>();
        List<Throwable> errors = new ArrayList<>();
        AtomicReference<Boolean> completed = new AtomicReference<>(false);
        hub.running().publish();

        hub.watch(KNOWS_IT_RUNS, clock).subscribe(seen::add, errors::add, () -> completed.set(true));
        vts.advanceTimeBy(Duration.ofSeconds(6));
        hub.completed("1").publish();

        assertThat(errors).isEmpty();
        assertThat(completed.get()).isTrue();
        assertThat(seen).hasSize(3);
        assertThat(seen.get(1)).isSameAs(WatchEvent.PING);
        assertThat(seen.get(2).last()).isTrue();
        assertThat(hub.subscribers()).isZero();
        int ran = clock.runs();
        vts.advanceTimeBy(Duration.ofMinutes(10));
        assertThat(clock.runs()).as("timer tasks run after the stream ended").isEqualTo(ran);
    }

    // ---------------------------------------------------------------- pings and lifetime

    @Test
    void pingsEvery5sThenTimeoutAt60sEndsTheStream() {
        hub.running().publish();

        StepVerifier.Step<WatchEvent> step =
                watching(KNOWS_IT_RUNS).expectSubscription().expectNextCount(1);
        for (int second = 5; second < 60; second += 5) {
            step = step.expectNoEvent(PING.minusMillis(1))
                    .thenAwait(Duration.ofMillis(1))
                    .assertNext(is("{'type': 'ping'}"));
        }
        step.expectNoEvent(PING.minusMillis(1))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(timeout -> {
                    assertThat((Object) json(timeout)).isEqualTo(expected("{'type': 'timeout'}"));
                    assertThat(timeout.id()).isNull();
                })
                .verifyComplete();
    }

    @Test
    void pingsFlowEvenBeforeTheHubHasAState() {
        watching(FROM_START)
                .expectSubscription()
                .expectNoEvent(PING.minusMillis(1))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(ping -> {
                    assertThat((Object) json(ping)).isEqualTo(expected("{'type': 'ping'}"));
                    assertThat(ping.id()).isNull();
                })
                .then(() -> hub.log("x").publish())
                .assertNext(is("{'type': 'update', 'completed': false, 'new_logs': 'x', 'log_offset': 2,"
                        + " 'stream_offset': 0}"))
                .thenCancel()
                .verify(STUCK);
    }

    @Test
    void pingsGoOnBesideUpdates() {
        hub.log("a").publish();

        watching(FROM_START)
                .expectSubscription()
                .expectNextCount(1)
                .expectNoEvent(Duration.ofMillis(4950))
                .then(() -> hub.log("b").publish())
                .assertNext(is("{'type': 'update', 'new_logs': 'b', 'log_offset': 3}"))
                .expectNoEvent(Duration.ofMillis(49))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(is("{'type': 'ping'}"))
                .thenCancel()
                .verify(STUCK);
    }

    @Test
    void aClientThatStopsReadingMissesPingsButStillGetsItsTimeout() {
        hub.running().publish();
        Duration ping = Duration.ofSeconds(1);
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();

        // 40 unread pings: more than any buffer in the stream holds
        StepVerifier.withVirtualTime(() -> hub.watch(KNOWS_IT_RUNS, clock, ping, LIFETIME), () -> clock, 1)
                .expectNextCount(1) // the first update; then the client reads nothing for 40 s
                .thenAwait(Duration.ofSeconds(40))
                .thenRequest(Long.MAX_VALUE)
                .thenAwait(Duration.ofSeconds(20))
                .thenConsumeWhile(event -> event == WatchEvent.PING)
                .expectNext(WatchEvent.TIMEOUT)
                .expectComplete()
                .verify(STUCK);
    }

    // ---------------------------------------------------------------- not found and errors

    @Test
    void anUnknownJobGetsNotFoundAndTheEnd() {
        hub.publish(HubState.notFound());

        watching(FROM_START)
                .expectSubscription()
                .assertNext(is("{'type': 'notfound'}"))
                .verifyComplete();
    }

    @Test
    void aJobThatExpiresWhileWatchedGetsNotFoundAndTheEnd() {
        hub.running().log("a").publish();

        watching(FROM_START)
                .expectSubscription()
                .expectNextCount(1)
                .expectNoEvent(Duration.ofSeconds(1))
                .then(() -> hub.publish(HubState.notFound()))
                .assertNext(is("{'type': 'notfound'}"))
                .verifyComplete();
    }

    /** The stream fails with the hub's failure, which the route maps to its final error event by the one error policy. */
    @Test
    void aHubThatCannotReadTheJobEndsTheStreamWithItsFailure() {
        StoreUnavailableException away = new StoreUnavailableException(new IOException("connection reset"));
        hub.publish(HubState.failed(away));

        watching(FROM_START)
                .expectSubscription()
                .expectErrorSatisfies(error -> assertThat(error).isSameAs(away))
                .verify(Duration.ofSeconds(10));
    }

    // ---------------------------------------------------------------- cancellation

    @Test
    void cancellingTheStreamUnsubscribesFromTheHub() {
        hub.log("a").publish();

        watching(FROM_START)
                .expectSubscription()
                .expectNextCount(1)
                .then(() -> assertThat(hub.subscribers()).isEqualTo(1))
                .expectNoEvent(Duration.ofMillis(10))
                .then(() -> hub.log("b").publish())
                .thenCancel()
                .verify(STUCK);

        assertThat(hub.subscribers()).isZero();
    }

    @Test
    void watchersOfOneLoopShareOneSubscriptionToTheHubUntilTheLastLeaves() {
        hub.log("a").publish();
        Flux<HubState> relay = hub.relay(vts);
        List<WatchEvent> early = new ArrayList<>();
        List<WatchEvent> late = new ArrayList<>();

        Disposable first = hub.watch(relay, FROM_START, vts).subscribe(early::add);
        Disposable second = hub.watch(relay, FROM_START, vts).subscribe(late::add);
        assertThat(hub.subscribers()).as("one subscription for the loop").isEqualTo(1);
        assertThat(late)
                .as("a later watcher, to which the relay replays nothing, hears the state at once")
                .singleElement()
                .satisfies(is("{'type': 'update', 'completed': false, 'new_logs': 'a', 'log_offset': 2,"
                        + " 'stream_offset': 0}"));
        hub.log("b").publish();
        vts.advanceTimeBy(CADENCE);
        assertThat(early)
                .extracting(event -> json(event).path("new_logs").asString())
                .containsExactly("a", "b");
        assertThat(late)
                .extracting(event -> json(event).path("new_logs").asString())
                .containsExactly("a", "b");

        first.dispose();
        assertThat(hub.subscribers()).isEqualTo(1);
        second.dispose();
        assertThat(hub.subscribers())
                .as("the last watcher of the loop lets go of the hub")
                .isZero();
    }

    @Test
    void afterCancellingNoTimerFiresAndNothingIsSent() {
        CountingScheduler clock = new CountingScheduler(vts);
        List<WatchEvent> seen = new ArrayList<>();
        hub.log("a").publish();

        Disposable watching = hub.watch(FROM_START, clock).subscribe(seen::add);
        vts.advanceTimeBy(Duration.ofSeconds(5));
        hub.log("b").publish();
        vts.advanceTimeBy(Duration.ofMillis(10));
        hub.log("c").publish(); // would go out at +100 ms
        assertThat(seen).hasSize(3); // first update, ping, "b"
        watching.dispose();

        assertThat(hub.subscribers()).isZero();
        int ran = clock.runs();
        vts.advanceTimeBy(Duration.ofMinutes(10));
        assertThat(clock.runs()).as("timer tasks run after cancel").isEqualTo(ran);
        assertThat(seen).hasSize(3);
    }

    /**
     * An update that cannot be rendered (here: nested deeper than the writer allows) ends the stream with
     * the failure, which the route turns into its final error event, and lets go of everything: a stream
     * stuck on it would keep its hub, its timers and its slot after its client left.
     */
    @Test
    void anUpdateThatCannotBeRenderedEndsTheStreamAndReleasesEverything() {
        CountingScheduler clock = new CountingScheduler(vts);
        JsonMapper shallow = JsonMapper.builder(JsonFactory.builder()
                        .streamWriteConstraints(StreamWriteConstraints.builder()
                                .maxNestingDepth(3)
                                .build())
                        .build())
                .build();
        AtomicInteger ended = new AtomicInteger();
        List<WatchEvent> seen = new ArrayList<>();
        List<Throwable> errors = new ArrayList<>();
        hub.running().log("a").publish();

        new WatchStream(
                        hub.sink.asFlux(),
                        hub.current::get,
                        new Watcher(REF, null, KNOWS_IT_RUNS, null, shallow, false),
                        () -> true,
                        new WatchStream.Settings(CADENCE, PING, LIFETIME, RETRY, clock),
                        Mono.never(),
                        new WatchStream.Listener() {
                            @Override
                            public void ended() {
                                ended.incrementAndGet();
                            }
                        })
                .subscribe(seen::add, errors::add);
        assertThat(seen).hasSize(1);
        hub.completed("{'a': {'b': {'c': {'d': 1}}}}").publish();
        vts.advanceTimeBy(CADENCE);

        assertThat(errors).singleElement().isInstanceOf(StreamConstraintsException.class);
        assertThat(ended).as("told once that the stream ended").hasValue(1);
        assertThat(hub.subscribers()).isZero();
        int ran = clock.runs();
        vts.advanceTimeBy(Duration.ofMinutes(10));
        assertThat(clock.runs()).as("timer tasks run after the stream failed").isEqualTo(ran);
    }

    // ---------------------------------------------------------------- event ids and resuming

    @Test
    void eachUpdateIdCarriesTheClientsOffsetsAfterIt() {
        hub.log("abc").chunks("x").publish();

        watching(FROM_START)
                .expectSubscription()
                .assertNext(update -> {
                    assertThat(update.id()).isEqualTo("4:1:0");
                    assertThat(update.id()).isEqualTo(idFromOffsets(update, false));
                })
                .expectNoEvent(Duration.ofSeconds(1))
                .then(() -> hub.running().log("日本😀").publish())
                .assertNext(update -> {
                    // no new chunk: stream_offset is left out, and the id keeps the client's 1
                    assertThat(json(update).get("log_offset").asLong()).isEqualTo(7);
                    assertThat(update.id()).isEqualTo("7:1:1");
                })
                .expectNoEvent(Duration.ofSeconds(1))
                .then(() -> hub.chunks("y", "z").publish())
                .assertNext(update -> {
                    assertThat(json(update).has("log_offset")).isFalse();
                    assertThat(update.id()).isEqualTo("7:3:1");
                })
                .thenCancel()
                .verify(STUCK);
    }

    @Test
    void resumingFromTheLastUpdatesIdRepeatsNothing() {
        hub.running().log("abc😀").chunks("x").publish();
        AtomicReference<String> lastId = new AtomicReference<>();

        watching(FROM_START)
                .expectSubscription()
                .assertNext(update -> lastId.set(update.id()))
                .thenCancel()
                .verify(STUCK);
        assertThat(lastId.get()).isEqualTo("5:1:1");

        WatchOptions resumed = FROM_START.resume(lastId.get());
        assertThat(resumed).isEqualTo(new WatchOptions(true, 4, 1, false, false, false));
        watching(resumed)
                .expectSubscription()
                .assertNext(is("{'type': 'update', 'completed': false, 'log_offset': 5, 'stream_offset': 1}"))
                .thenCancel()
                .verify(STUCK);
    }

    @Test
    void resumingFromAnOlderIdGetsExactlyWhatCameAfterIt() {
        hub.log("abc").chunks("x").publish();
        AtomicReference<String> firstId = new AtomicReference<>();
        hub.watch(FROM_START, vts).take(1).subscribe(update -> firstId.set(update.id()));
        assertThat(firstId.get()).isEqualTo("4:1:0");
        hub.log("def").chunks("y").publish();

        watching(FROM_START.resume(firstId.get()))
                .expectSubscription()
                .assertNext(is("{'type': 'update', 'completed': false, 'new_logs': 'def', 'log_offset': 7,"
                        + " 'new_result_stream': 'y', 'stream_offset': 2}"))
                .thenCancel()
                .verify(STUCK);
    }

    // ---------------------------------------------------------------- real threads

    @Test
    void aHubPublishingOnAnotherThreadWhileTheStreamSendsLosesNoWakeUp() throws Exception {
        Scheduler clock = reactor.core.scheduler.Schedulers.newParallel("race", 2);
        try {
            for (int round = 0; round < 30; round++) {
                Hub racing = new Hub();
                StringBuilder written = new StringBuilder();
                racing.publish();
                StringBuilder received = new StringBuilder();
                Flux<WatchEvent> stream = new WatchStream(
                        racing.sink.asFlux(),
                        racing.current::get,
                        watcher(FROM_START),
                        () -> true,
                        new WatchStream.Settings(Duration.ofMillis(1), PING, LIFETIME, RETRY, clock),
                        Mono.never(),
                        UNHEARD);
                Thread writer = new Thread(() -> {
                    for (int i = 0; i < 200; i++) {
                        String line = "line " + i + "\n";
                        written.append(line);
                        racing.log(line).publish();
                    }
                    racing.completed("1").publish();
                });
                writer.start();
                List<WatchEvent> events = stream.doOnNext(event -> {
                            JsonNode update = json(event);
                            if (update.has("new_logs")) {
                                received.append(update.get("new_logs").asString());
                            }
                        })
                        .collectList()
                        .block(STUCK);
                writer.join();
                assertThat(events)
                        .as("round %d", round)
                        .last()
                        .satisfies(event -> assertThat(event.last()).isTrue());
                assertThat(received.toString()).as("round %d", round).isEqualTo(written.toString());
            }
        } finally {
            clock.dispose();
        }
    }

    // ---------------------------------------------------------------- encoding once

    @Test
    void watchersAtTheSameCursorShareOneEncodedUpdate() {
        HubState state = hub.running().log("shared\n").chunks("c").progress("1").publish();
        Watcher first = watcher(GET_PROGRESS);
        Watcher second = watcher(GET_PROGRESS);

        StepVerifier.create(Mono.zip(first.next(state), second.next(state)))
                .assertNext(both -> {
                    assertThat(both.getT1()).isSameAs(both.getT2());
                    assertThat(json(both.getT1()).get("new_logs").asString()).isEqualTo("shared\n");
                })
                .verifyComplete();
    }

    @Test
    void streamsAtTheSameCursorShareOneEncodedUpdateAndOthersGetTheirOwn() {
        hub.running().log("shared\n").publish();
        List<WatchEvent> a = new ArrayList<>();
        List<WatchEvent> b = new ArrayList<>();
        List<WatchEvent> other = new ArrayList<>();

        Disposable watchingA = hub.watch(FROM_START, vts).subscribe(a::add);
        Disposable watchingB = hub.watch(FROM_START, vts).subscribe(b::add);
        Disposable watchingOther = hub.watch(NO_LOGS, vts).subscribe(other::add);
        vts.advanceTimeBy(Duration.ofSeconds(1));
        hub.log("more\n").publish();
        watchingA.dispose();
        watchingB.dispose();
        watchingOther.dispose();

        assertThat(a).hasSize(2);
        assertThat(b).hasSize(2);
        assertThat(a.get(0)).isSameAs(b.get(0));
        assertThat(a.get(1)).isSameAs(b.get(1));
        assertThat(other.get(0)).isNotSameAs(a.get(0));
        assertThat(json(other.get(0)).has("new_logs")).isFalse();
    }

    // ---------------------------------------------------------------- helpers

    /** A verification of one watcher's stream on a fresh virtual clock (StepVerifier disposes it at the end). */
    private StepVerifier.FirstStep<WatchEvent> watching(WatchOptions options) {
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        return StepVerifier.withVirtualTime(() -> hub.watch(options, clock), () -> clock, Long.MAX_VALUE);
    }

    private static Watcher watcher(WatchOptions options) {
        return new Watcher(REF, null, options, null, MAPPER, false);
    }

    private static JsonNode json(WatchEvent event) {
        return MAPPER.readTree(event.data());
    }

    private static JsonNode expected(String json) {
        return EXPECTED.readTree(json);
    }

    /** The event's data is exactly this JSON object (written with single quotes), field order aside. */
    private static Consumer<WatchEvent> is(String expectedJson) {
        return event -> assertThat((Object) json(event)).as(event.data()).isEqualTo(expected(expectedJson));
    }

    private static String idFromOffsets(WatchEvent update, boolean running) {
        JsonNode json = json(update);
        return json.get("log_offset").asLong() + ":" + json.get("stream_offset").asLong() + ":" + (running ? 1 : 0);
    }

    /** The hub side: a job's state, published one version at a time as a hub's {@link HubStates} would. */
    private static final class Hub {

        private final Sinks.Many<HubState> sink = Sinks.many().replay().latest();
        private final AtomicReference<HubState> current = new AtomicReference<>();
        private long version;
        private JobState state = JobState.QUEUED;
        private final StringBuilder log = new StringBuilder();
        private final List<String> chunks = new ArrayList<>();
        private String progress;
        private JsonNode job;
        private JsonNode result;

        Flux<WatchEvent> watch(WatchOptions options, Scheduler scheduler) {
            return watch(options, scheduler, PING, LIFETIME);
        }

        Flux<WatchEvent> watch(WatchOptions options, Scheduler scheduler, Duration ping, Duration lifetime) {
            return watch(options, scheduler, ping, lifetime, () -> true);
        }

        Flux<WatchEvent> watch(
                WatchOptions options, Scheduler scheduler, Duration ping, Duration lifetime, BooleanSupplier writable) {
            return watch(sink.asFlux(), options, scheduler, ping, lifetime, writable);
        }

        /** A watcher that hears the hub through {@code changes}, as one on a connection's event loop does. */
        Flux<WatchEvent> watch(Flux<HubState> changes, WatchOptions options, Scheduler scheduler) {
            return watch(changes, options, scheduler, PING, LIFETIME, () -> true);
        }

        private Flux<WatchEvent> watch(
                Flux<HubState> changes,
                WatchOptions options,
                Scheduler scheduler,
                Duration ping,
                Duration lifetime,
                BooleanSupplier writable) {
            return new WatchStream(
                    changes,
                    current::get,
                    watcher(options),
                    writable,
                    new WatchStream.Settings(CADENCE, ping, lifetime, RETRY, scheduler),
                    Mono.never(),
                    UNHEARD);
        }

        /** The relay that a loop's watchers share, as {@link HubStates#relayOn(Scheduler)} makes it. */
        Flux<HubState> relay(Scheduler loop) {
            return HubStates.relay(sink.asFlux(), loop);
        }

        int subscribers() {
            return sink.currentSubscriberCount();
        }

        Hub running() {
            state = JobState.RUNNING;
            return this;
        }

        Hub log(String text) {
            log.append(text);
            return this;
        }

        Hub chunks(String... more) {
            chunks.addAll(Arrays.asList(more));
            return this;
        }

        Hub progress(String text) {
            progress = text;
            return this;
        }

        /** Completed with this result (JSON, single quotes allowed). */
        Hub completed(String resultJson) {
            state = JobState.COMPLETED;
            result = expected(resultJson);
            ObjectNode document = MAPPER.createObjectNode();
            document.put("id", REF.id());
            document.put("type", "CompletedJob");
            document.put("success", true);
            document.set("result", result);
            job = document;
            return this;
        }

        HubState publish() {
            String text = log.toString();
            return publish(new HubState(
                    HubState.Status.READY,
                    null,
                    ++version,
                    state,
                    progress == null ? null : MAPPER.readTree(progress),
                    progress,
                    text.codePointCount(0, text.length()),
                    LogWindow.at(0).append(0, text, 1_000_000),
                    chunks.size(),
                    ChunkWindow.at(0).append(0, List.copyOf(chunks), 1024),
                    job,
                    result,
                    HubState.newEncodings(),
                    "incarnation-1"));
        }

        HubState publish(HubState next) {
            current.set(next);
            assertThat(sink.tryEmitNext(next).isSuccess()).isTrue();
            return next;
        }
    }

    /** A client that reads only when told to, as a stalled HTTP connection does. */
    private static final class SlowClient extends BaseSubscriber<WatchEvent> {

        private final List<WatchEvent> events = new ArrayList<>();

        @Override
        protected void hookOnSubscribe(Subscription subscription) {
            // reads nothing until told to
        }

        @Override
        protected void hookOnNext(WatchEvent event) {
            events.add(event);
        }

        void read(long count) {
            request(count);
        }

        List<JsonNode> updates() {
            return events.stream()
                    .filter(event -> event.id() != null)
                    .map(WatchStreamTest::json)
                    .toList();
        }
    }

    /** The virtual clock, counting the timer tasks it runs: none may run once a stream is over. */
    private static final class CountingScheduler implements Scheduler {

        private final VirtualTimeScheduler clock;
        private final AtomicInteger runs = new AtomicInteger();

        CountingScheduler(VirtualTimeScheduler clock) {
            this.clock = clock;
        }

        int runs() {
            return runs.get();
        }

        private Runnable counted(Runnable task) {
            return () -> {
                runs.incrementAndGet();
                task.run();
            };
        }

        @Override
        public Disposable schedule(Runnable task) {
            return clock.schedule(counted(task));
        }

        @Override
        public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
            return clock.schedule(counted(task), delay, unit);
        }

        @Override
        public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
            return clock.schedulePeriodically(counted(task), initialDelay, period, unit);
        }

        @Override
        public long now(TimeUnit unit) {
            return clock.now(unit);
        }

        @Override
        public Worker createWorker() {
            Worker worker = clock.createWorker();
            return new Worker() {
                @Override
                public Disposable schedule(Runnable task) {
                    return worker.schedule(counted(task));
                }

                @Override
                public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
                    return worker.schedule(counted(task), delay, unit);
                }

                @Override
                public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
                    return worker.schedulePeriodically(counted(task), initialDelay, period, unit);
                }

                @Override
                public void dispose() {
                    worker.dispose();
                }

                @Override
                public boolean isDisposed() {
                    return worker.isDisposed();
                }
            };
        }
    }
}
