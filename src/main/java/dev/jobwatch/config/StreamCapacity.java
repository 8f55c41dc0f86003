package dev.jobwatch.config;

/**
 * How many SSE streams a heap holds, from what one costs: an idle stream keeps about 14 KB of heap
 * (load-tests/results/results.md: 14.0 KB on JDK 25, 15.4 KB on JDK 17, after a full GC), counted here as
 * 16 KiB; the server itself, with its caches and the hubs of busy jobs, about 64 MiB. A fifth of the
 * heap stays free, so that the collector never runs with a full heap and the updates in flight fit.
 */
public final class StreamCapacity {

    public static final long BYTES_PER_STREAM = 16 * 1024;
    public static final long BASE_BYTES = 64L * 1024 * 1024;
    /** Streams that any heap is given, so that a small test JVM still serves a few. */
    public static final int LEAST = 100;

    private StreamCapacity() {}

    /** The streams that a heap of at most {@code maxHeapBytes} ({@link Runtime#maxMemory()}) holds. */
    public static int forHeap(long maxHeapBytes) {
        long usable = maxHeapBytes / 5 * 4 - BASE_BYTES;
        return (int) Math.max(LEAST, Math.min(Integer.MAX_VALUE, usable / BYTES_PER_STREAM));
    }
}
