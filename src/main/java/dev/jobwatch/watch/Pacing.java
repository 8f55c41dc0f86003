package dev.jobwatch.watch;

/**
 * When one watcher's stream may send its next update: the pacing alone, with no clock or timer of its
 * own, so that it is told the time and what happened and answers what to do.
 *
 * <ul>
 *   <li>Cadence: two updates are at least a cadence apart. An update goes out at once unless the stream
 *   rests after the previous one; what comes during the rest goes out when it ends (leading and trailing
 *   edge), so the last change is never held back for good.</li>
 *   <li>The rest is a deadline, not a timer: most rests end with nothing new to send, so a wake-up is
 *   asked for only when a change comes during one (or the watcher is still behind), at most one at a
 *   time.</li>
 *   <li>Writability: nothing is sent to a connection that takes no more now; it is checked again after
 *   5 ms, then twice as long each time up to the cadence, and the update goes out once it takes more.</li>
 * </ul>
 *
 * <p>Times are nanoseconds on the stream's clock. Not thread-safe: its stream calls it one step at a time.
 */
final class Pacing {

    /** What the stream does about an update now. */
    enum Decision {
        /** Make and send an update now. */
        SEND,
        /** Wake at {@link #wakeAt()} and ask again; until then nothing goes out. */
        WAIT,
        /** Nothing to send, or a wake-up is already on its way. */
        NONE
    }

    /** The first check of a connection that took no more. */
    private static final long FIRST_WRITABLE_CHECK = 5_000_000L;

    private final long cadence;
    /** Something new waits to be sent: a change came, or the watcher is behind what it was sent. */
    private boolean pending = true;
    /** When the current rest ends; nothing goes out before. */
    private long restEnds = Long.MIN_VALUE;
    /** A wake-up was asked for and has not come yet. */
    private boolean waking;

    private long wakeAt;
    private int checksWhileFull;

    /** @param cadence the least time between two updates, in nanoseconds */
    Pacing(long cadence) {
        this.cadence = cadence;
    }

    /** The job changed. A stream starts as if it had, so its first update goes out at once. */
    void changed() {
        pending = true;
    }

    /**
     * An update went out: the stream rests for a cadence.
     *
     * @param behind whether the watcher's job holds more than it was sent (a long log it catches up on),
     *               so that it goes on after the rest without waiting for a change
     */
    void sent(long now, boolean behind) {
        rest(now, cadence, behind);
    }

    /**
     * Making an update came to nothing for now (the store could not be reached, or a catch-up read
     * brought nothing): the stream rests for {@code pause} nanoseconds before trying again.
     */
    void paused(long now, long pause, boolean behind) {
        rest(now, pause, behind);
    }

    /** The wake-up asked for came: whatever rest it waited for is over. */
    void woke() {
        waking = false;
        restEnds = Long.MIN_VALUE;
    }

    /** Whether there is something to decide: an update waits and no wake-up is on its way for it. */
    boolean pending() {
        return pending && !waking;
    }

    /**
     * What to do now about an update.
     *
     * @param writable whether the client's connection takes more now
     */
    Decision next(long now, boolean writable) {
        if (!pending()) {
            return Decision.NONE;
        }
        if (now < restEnds) {
            return wakeAt(restEnds);
        }
        if (!writable) {
            long check = Math.min(cadence, FIRST_WRITABLE_CHECK << Math.min(checksWhileFull++, 10));
            restEnds = now + check;
            return wakeAt(restEnds);
        }
        checksWhileFull = 0;
        pending = false;
        restEnds = Long.MIN_VALUE;
        return Decision.SEND;
    }

    /** When to wake, after {@link Decision#WAIT}. */
    long wakeAt() {
        return wakeAt;
    }

    private Decision wakeAt(long time) {
        waking = true;
        wakeAt = time;
        return Decision.WAIT;
    }

    private void rest(long now, long length, boolean behind) {
        restEnds = now + length;
        pending |= behind;
    }
}
