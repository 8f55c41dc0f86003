package dev.jobwatch.store;

/**
 * One change notification. Most only say that the job changed. A write that appended one log row or
 * one result-stream chunk, and nothing else, also says what it appended and the job's version after
 * it, so that a reader holding exactly the version before can apply it without reading the store; a
 * reader holding anything else reads the store, as for a bare signal.
 *
 * @param version the job's version after the write, or -1 for a bare signal
 * @param length  for {@link Kind#LOG} the log's length in code points after the row and its newline,
 *                for {@link Kind#CHUNK} the number of chunks after the chunk
 * @param incarnation the incarnation of the job written, so that a reader never applies one job's write to
 *                    a state of an earlier job that had the same id
 * @param text    the row without its newline, or the chunk
 */
public record Change(long version, Kind kind, long length, String incarnation, String text) {

    public enum Kind {
        SIGNAL,
        LOG,
        CHUNK
    }

    /** A change that carries nothing: read the store. */
    public static final Change SIGNAL = new Change(-1, Kind.SIGNAL, 0, null, null);

    /**
     * A notification as the write scripts publish it: {@code <version>} alone, or
     * {@code <version> L <log length> <incarnation> <row>} or
     * {@code <version> C <chunk count> <incarnation> <chunk>}. Anything
     * else is a bare signal, so a newer or older pod's notifications still wake this one.
     */
    static Change parse(String message) {
        int kindAt = message.indexOf(' ');
        if (kindAt < 0 || kindAt + 2 >= message.length() || message.charAt(kindAt + 2) != ' ') {
            return SIGNAL;
        }
        Kind kind = switch (message.charAt(kindAt + 1)) {
            case 'L' -> Kind.LOG;
            case 'C' -> Kind.CHUNK;
            default -> Kind.SIGNAL;
        };
        int incarnationAt = message.indexOf(' ', kindAt + 3);
        int textAt = incarnationAt < 0 ? -1 : message.indexOf(' ', incarnationAt + 1);
        if (kind == Kind.SIGNAL || textAt < 0) {
            return SIGNAL;
        }
        try {
            return new Change(
                    Long.parseLong(message, 0, kindAt, 10),
                    kind,
                    Long.parseLong(message, kindAt + 3, incarnationAt, 10),
                    message.substring(incarnationAt + 1, textAt),
                    message.substring(textAt + 1));
        } catch (NumberFormatException e) {
            return SIGNAL;
        }
    }
}
