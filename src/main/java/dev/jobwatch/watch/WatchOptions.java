package dev.jobwatch.watch;

/**
 * What one watcher asked for, as Windmill's query arguments say it, with its starting cursor.
 *
 * @param running      whether the client already knows the job runs
 * @param logOffset    log code points the client has (Windmill's 1-based {@code log_offset} minus one)
 * @param streamOffset result-stream chunks the client has
 */
public record WatchOptions(
        boolean running, long logOffset, long streamOffset, boolean getProgress, boolean onlyResult, boolean noLogs) {

    /**
     * The largest offset a client may send: 2^53 - 1, the largest whole number that JavaScript clients
     * and Redis's Lua (whose numbers are doubles) both hold exactly.
     */
    public static final long MAX_OFFSET = (1L << 53) - 1;

    boolean wantsLogs() {
        return !noLogs && !onlyResult;
    }

    /**
     * The SSE id of an update: the client's offsets after it, in Windmill's terms, and whether it
     * knows the job runs; {@link #resume} reads it back.
     */
    static String eventId(long logOffset, long streamOffset, boolean running) {
        return (logOffset + 1) + ":" + streamOffset + ":" + (running ? 1 : 0);
    }

    /** These options with the cursor of a {@code Last-Event-ID}, or unchanged if it is not one of ours. */
    public WatchOptions resume(String lastEventId) {
        if (lastEventId == null) {
            return this;
        }
        String[] parts = lastEventId.trim().split(":");
        if (parts.length != 3) {
            return this;
        }
        try {
            long log = Long.parseLong(parts[0]);
            long stream = Long.parseLong(parts[1]);
            if (log < 1
                    || stream < 0
                    || log > MAX_OFFSET
                    || stream > MAX_OFFSET
                    || !(parts[2].equals("0") || parts[2].equals("1"))) {
                return this;
            }
            return new WatchOptions(parts[2].equals("1"), log - 1, stream, getProgress, onlyResult, noLogs);
        } catch (NumberFormatException e) {
            return this;
        }
    }
}
