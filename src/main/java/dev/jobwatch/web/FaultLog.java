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
 * Server-side faults (Redis away or refusing a command, a bug) logged at most once per interval for each
 * kind of fault, with how many of that kind were left out since: a fault that every request meets would
 * otherwise write one entry, or one stack trace, per request, and a hostile client could fill the log.
 * Kinds are exception classes, so the map stays as small as the code's set of exceptions.
 */
final class FaultLog {

    private static final Logger log = LoggerFactory.getLogger(FaultLog.class);

    private final long intervalNanos;
    private final LongSupplier nanoTime;
    private final Map<Class<?>, Kind> kinds = new ConcurrentHashMap<>();

    FaultLog(Duration interval, LongSupplier nanoTime) {
        this.intervalNanos = interval.toNanos();
        this.nanoTime = nanoTime;
    }

    /** A fault the client was told of with a 503: its cause in one line, without a stack trace. */
    void unavailable(String where, Throwable error) {
        kind(error).report(suppressed -> log.warn("{}: {}{}", where, describe(error), since(suppressed)));
    }

    /** A fault that is a bug: its stack trace, once per interval. */
    void failed(String where, Throwable error) {
        kind(error).report(suppressed -> log.error("{} failed{}", where, since(suppressed), error));
    }

    private Kind kind(Throwable error) {
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
