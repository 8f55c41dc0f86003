package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobwatch.PodProcess;
import dev.jobwatch.TestRedis;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import reactor.core.Disposable;
import tools.jackson.databind.JsonNode;

/**
 * A watcher that stops reading while a job writes a lot: the pod (its own JVM, with a small heap) holds
 * a bounded amount for it, the other watchers keep their cadence, and the slow one gets every byte once
 * it reads again.
 */
class SlowWatcherIntegrationTest {

    /** How long the slow watcher does not read; the figure. */
    private static final Duration STALL = Duration.ofSeconds(60);

    private static final int ROW = 60_000;
    private static final int ROWS = 50 * 1024 * 1024 / ROW;
    private static final int FAST_WATCHERS = 4;

    @Test
    void aWatcherThatStopsReadingHoldsBoundedMemoryWhileOthersKeepTheirCadenceAndThenCatchesUpExactly()
            throws Exception {
        try (TestRedis redis = new TestRedis();
                PodProcess pod = new PodProcess(
                        List.of("-Xmx256m"),
                        redis.url(),
                        "jobwatch.watch.lifetime=10m",
                        "jobwatch.retention.log=64MB")) {
            WorkerApiClient api = new WorkerApiClient(pod.port());
            String token = api.add("verbose");
            SseClient sse = new SseClient(pod.port());
            List<List<Long>> updateTimes = new ArrayList<>();
            List<AtomicLong> lengths = new ArrayList<>();
            List<CRC32> digests = new ArrayList<>();
            List<Disposable> fast = new ArrayList<>();
            for (int i = 0; i < FAST_WATCHERS; i++) {
                List<Long> times = new CopyOnWriteArrayList<>();
                AtomicLong length = new AtomicLong();
                CRC32 digest = new CRC32();
                updateTimes.add(times);
                lengths.add(length);
                digests.add(digest);
                // A digest rather than the text, so that the test's own memory and CPU stay out of the figures.
                fast.add(sse.updates(api.namespace, "verbose", "").subscribe(update -> {
                    times.add(System.nanoTime());
                    String added = update.path("new_logs").asString("");
                    synchronized (digest) {
                        digest.update(added.getBytes(StandardCharsets.UTF_8));
                    }
                    length.addAndGet(added.length());
                }));
            }
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> updateTimes.stream().noneMatch(List::isEmpty));
            Memory before = memory(pod);

            try (SseClient.Raw slow = sse.raw(SseClient.path(api.namespace, "verbose", ""), null, 4096)) {
                List<Memory> samples = new ArrayList<>();
                long start = System.nanoTime();
                long spacing = STALL.multipliedBy(9).dividedBy(10).toNanos() / ROWS;
                StringBuilder written = new StringBuilder();
                for (int i = 0; i < ROWS; i++) {
                    String row = Character.toString('a' + i % 26).repeat(ROW - 8) + "%08d".formatted(i);
                    api.log("verbose", token, row);
                    written.append(row).append('\n');
                    if (i % 16 == 0) {
                        samples.add(memory(pod));
                    }
                    pace(start + (i + 1) * spacing);
                }
                long writesEnded = System.nanoTime();
                for (long due = start + STALL.toNanos(); System.nanoTime() < due; ) {
                    samples.add(memory(pod));
                    pace(Math.min(due, System.nanoTime() + 1_000_000_000L));
                }
                api.post(api.job("verbose") + "/complete", token, MediaType.APPLICATION_JSON, "{\"success\":true}")
                        .expectStatus()
                        .isOk();

                long resumed = System.nanoTime();
                List<JsonNode> caughtUp = slow.readToEnd().stream()
                        .filter(event -> event.data() != null)
                        .map(event -> SseClient.JSON.readTree(event.data()))
                        .toList();
                long caughtUpIn = System.nanoTime() - resumed;

                StringBuilder slowText = new StringBuilder();
                caughtUp.forEach(event -> slowText.append(event.path("new_logs").asString("")));
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> lengths.stream().allMatch(length -> length.get() >= written.length()));
                fast.forEach(Disposable::dispose);

                long maxGap = 0;
                for (List<Long> times : updateTimes) {
                    for (int i = 1; i < times.size(); i++) {
                        if (times.get(i) > start && times.get(i - 1) < writesEnded) {
                            maxGap = Math.max(maxGap, times.get(i) - times.get(i - 1));
                        }
                    }
                }
                Memory peak = samples.stream().reduce(before, Memory::max);
                System.out.printf(
                        "Slow watcher: %.1f MB written in %d s while it did not read; pod heap used %d MB before, "
                                + "%d MB at most (-Xmx256m); direct buffers %d MB before, %d MB at most; other watchers' "
                                + "longest gap between updates %d ms; the slow one caught up %d updates, %.1f MB, in %d ms%n",
                        written.length() / 1e6,
                        STALL.toSeconds(),
                        before.heap >> 20,
                        peak.heap >> 20,
                        before.direct >> 20,
                        peak.direct >> 20,
                        maxGap / 1_000_000,
                        caughtUp.size(),
                        slowText.length() / 1e6,
                        caughtUpIn / 1_000_000);

                assertThat(pod.log()).doesNotContain("OutOfMemoryError");
                assertThat(peak.direct - before.direct)
                        .as("direct memory the slow watcher held")
                        .isLessThan(6L << 20);
                assertThat(Duration.ofNanos(maxGap))
                        .as("longest gap between another watcher's updates")
                        .isLessThan(Duration.ofSeconds(2));
                CRC32 expected = new CRC32();
                expected.update(written.toString().getBytes(StandardCharsets.UTF_8));
                for (int i = 0; i < FAST_WATCHERS; i++) {
                    assertThat(lengths.get(i).get()).isEqualTo(written.length());
                    synchronized (digests.get(i)) {
                        assertThat(digests.get(i).getValue())
                                .as("another watcher's log digest")
                                .isEqualTo(expected.getValue());
                    }
                }
                assertThat(caughtUp.get(caughtUp.size() - 1).path("completed").asBoolean())
                        .isTrue();
                assertThat(slowText.toString())
                        .as("the slow watcher's log, byte for byte")
                        .isEqualTo(written.toString());
            }
        }
    }

    /** Keeps the writer to its schedule; a pace, not a wait for an outcome. */
    private static void pace(long dueNanos) {
        for (long left = dueNanos - System.nanoTime(); left > 0; left = dueNanos - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    /** Heap and direct-buffer memory in use in the pod, from its Prometheus endpoint. */
    private record Memory(long heap, long direct) {

        Memory max(Memory other) {
            return new Memory(Math.max(heap, other.heap), Math.max(direct, other.direct));
        }
    }

    private static Memory memory(PodProcess pod) {
        return new Memory((long) pod.metric("jvm_memory_used_bytes", "area=\"heap\""), (long)
                pod.metric("jvm_buffer_memory_used_bytes", "id=\"direct\""));
    }
}
