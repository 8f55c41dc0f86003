package dev.jobwatch.watch;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the watch side counts. {@code jobwatch.streams.open} is the autoscaling signal (CPU barely
 * moves for idle streams); {@code changes.seen} over {@code updates.sent} per watcher is the
 * coalescing ratio; {@code rechecks.found} counts notifications that pub/sub lost.
 */
final class WatchMetrics {

    final AtomicInteger openStreams = new AtomicInteger();
    final Counter updatesSent;
    final Counter bytesSent;
    final Counter changesSeen;
    final Counter rechecksFound;
    final Counter catchUpReads;
    final Counter drained;
    final Counter refused;

    private final MeterRegistry meters;

    WatchMetrics(MeterRegistry meters) {
        this.meters = meters;
        Gauge.builder("jobwatch.streams.open", openStreams, AtomicInteger::get)
                .description("SSE streams open on this pod")
                .register(meters);
        updatesSent = Counter.builder("jobwatch.updates.sent")
                .description("Update events sent to watchers")
                .register(meters);
        bytesSent = Counter.builder("jobwatch.updates.bytes")
                .description("Bytes of update data sent to watchers")
                .baseUnit("bytes")
                .register(meters);
        changesSeen = Counter.builder("jobwatch.changes.seen")
                .description("New job versions read by hubs")
                .register(meters);
        rechecksFound = Counter.builder("jobwatch.rechecks.found")
                .description("Safety re-reads that found a change whose notification was lost")
                .register(meters);
        catchUpReads = Counter.builder("jobwatch.catchup.reads")
                .description("Reads by watchers behind their hub's window")
                .register(meters);
        drained = Counter.builder("jobwatch.streams.drained")
                .description("Streams ended by a pod's drain")
                .register(meters);
        refused = Counter.builder("jobwatch.streams.refused")
                .description("Streams refused (503) because the pod held its maximum")
                .register(meters);
    }

    /** The hub gauge, once the registry that the hubs' metrics feed exists. */
    void countHubs(HubRegistry hubs) {
        Gauge.builder("jobwatch.hubs.open", hubs, HubRegistry::size)
                .description("Jobs watched on this pod")
                .register(meters);
    }
}
