package dev.jobwatch.harness;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/** What the streams of one {@link SseClient} heard: rows, SSE events, and each row's write-to-watcher latency. */
final class Deliveries {

    /** Latencies above this are recorded as this: a row two minutes late is lost to any reader anyway. */
    private static final long MAX_MICROS = TimeUnit.SECONDS.toMicros(120);

    private final Recorder latency = new Recorder(MAX_MICROS, 3);
    private final LongAdder rows = new LongAdder();
    private final LongAdder events = new LongAdder();

    void row(long latencyMicros) {
        rows.increment();
        latency.recordValue(Math.min(Math.max(0, latencyMicros), MAX_MICROS));
    }

    void event() {
        events.increment();
    }

    long rows() {
        return rows.sum();
    }

    long events() {
        return events.sum();
    }

    /** The latencies recorded since the last call, and a fresh start for the next. */
    Histogram latencySinceLast() {
        return latency.getIntervalHistogram();
    }
}
