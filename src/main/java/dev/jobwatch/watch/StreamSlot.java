package dev.jobwatch.watch;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stream's place in the pod's cap, taken when the stream is admitted. It is given back exactly once,
 * by whichever end comes first: the stream ending, or its connection closing. The second matters because
 * a connection may close before its stream was ever subscribed, and then the stream never ends.
 */
public final class StreamSlot {

    private final AtomicInteger open;
    private final AtomicBoolean held = new AtomicBoolean(true);

    StreamSlot(AtomicInteger open) {
        this.open = open;
    }

    /** Gives the slot back; only the first call counts. */
    public void release() {
        if (held.compareAndSet(true, false)) {
            open.decrementAndGet();
        }
    }
}
