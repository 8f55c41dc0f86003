package dev.jobwatch.web;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Faults logged at most once per interval for each kind of fault, with how many of that kind were left
 * out since: a fault that every request meets would otherwise write one entry, or one stack trace, per
 * request, and a hostile client could fill the log. Server-side faults (Redis away or refusing a command,
 * a bug) and requests refused for what the client sent are counted apart, so that a client's flood never
 * hides a server's fault of the same type. Kinds are exception classes, so the maps stay as small as the
 * code's set of exceptions. Text that came from a request is escaped with {@link #printable}.
 */
final class FaultLog {

    private static final Logger log = LoggerFactory.getLogger(FaultLog.class);

    private final long intervalNanos;
    private final LongSupplier nanoTime;
    private final Map<Class<?>, Kind> serverKinds = new ConcurrentHashMap<>();
    private final Map<Class<?>, Kind> clientKinds = new ConcurrentHashMap<>();

    FaultLog(Duration interval, LongSupplier nanoTime) {
        this.intervalNanos = interval.toNanos();
        this.nanoTime = nanoTime;
    }

    /** A fault the client was told of with a 503: its cause in one line, without a stack trace. */
    void unavailable(String where, Throwable error) {
        kind(serverKinds, error)
                .report(suppressed ->
                        log.warn("{}: {}{}", printable(where), printable(describe(error)), since(suppressed)));
    }

    /** A fault that is a bug: its stack trace, once per interval. */
    void failed(String where, Throwable error) {
        kind(serverKinds, error)
                .report(suppressed -> log.error("{} failed{}", printable(where), since(suppressed), error));
    }

    /**
     * A request refused for what its client sent: nothing for the operator to fix, so one line at INFO,
     * never a stack trace, once per interval for each kind.
     */
    void refused(String what, Throwable cause) {
        kind(clientKinds, cause)
                .report(suppressed ->
                        log.info("{}: {}{}", printable(what), printable(cause.toString()), since(suppressed)));
    }

    /**
     * The text with every control or format character (a terminal's escape sequences, line breaks, bidi
     * overrides) written as a Java escape, so that what a client sent can neither act on the terminal
     * that shows the log nor forge a line of it.
     */
    static String printable(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String escape = escape(c);
            if (escape != null && out == null) {
                out = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (out != null) {
                out.append(escape == null ? String.valueOf(c) : escape);
            }
        }
        return out == null ? text : out.toString();
    }

    private static String escape(char c) {
        return switch (c) {
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            case '\t' -> "\\t";
            default -> {
                int type = Character.getType(c);
                yield Character.isISOControl(c)
                                || type == Character.FORMAT
                                || type == Character.LINE_SEPARATOR
                                || type == Character.PARAGRAPH_SEPARATOR
                        ? String.format("\\u%04x", (int) c)
                        : null;
            }
        };
    }

    private Kind kind(Map<Class<?>, Kind> kinds, Throwable error) {
        return kinds.computeIfAbsent(error.getClass(), type -> new Kind());
    }

    /** The error and the cause it wraps, which is where Redis's own words are. */
    private static String describe(Throwable error) {
        Throwable cause = error.getCause();
        return cause == null ? error.toString() : error.getMessage() + " (" + cause + ")";
    }

    private String since(long suppressed) {
        return suppressed == 0
                ? ""
                : " [" + suppressed + " more like it in the last "
                        + Duration.ofNanos(intervalNanos).toSeconds() + " s were not logged]";
    }

    /** When a kind may be logged next, and how many of it were left out meanwhile. */
    private final class Kind {

        private final AtomicLong next = new AtomicLong(Long.MIN_VALUE);
        private final AtomicLong suppressed = new AtomicLong();

        void report(LongConsumer write) {
            long now = nanoTime.getAsLong();
            long due = next.get();
            if ((due == Long.MIN_VALUE || now - due >= 0) && next.compareAndSet(due, now + intervalNanos)) {
                write.accept(suppressed.getAndSet(0));
            } else {
                suppressed.incrementAndGet();
            }
        }
    }
}
