package dev.jobwatch.config;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * How watchers are served. Who may watch ({@code jobwatch.watch.auth}) is an auth setting, in
 * {@link AuthProperties}.
 *
 * @param cadence  least time between two updates to one watcher (env {@code JOBWATCH_WATCH_CADENCE}),
 *                 default 100 ms
 * @param ping     time between pings (env {@code JOBWATCH_WATCH_PING}), default 5 s
 * @param lifetime how long a stream lives before {@code timeout} (env {@code JOBWATCH_WATCH_LIFETIME}),
 *                 default 60 s
 * @param spread   most random time added to each stream's lifetime, so reconnects do not come in step
 *                 (env {@code JOBWATCH_WATCH_SPREAD}), default 6 s
 * @param recheck  time a job must stay quiet before its hub re-reads it anyway (env
 *                 {@code JOBWATCH_WATCH_RECHECK}), default 5 min, 0 for never: a safety net only, as
 *                 the change feed already wakes every hub to re-read when its subscription comes back
 *                 after a lost connection, the one time pub/sub loses notifications
 * @param linger   how long a hub stays after its last watcher leaves, so churn does not thrash Redis
 *                 subscriptions (env {@code JOBWATCH_WATCH_LINGER}), default 1 s
 * @param window   log code points each hub keeps in memory for its watchers (env
 *                 {@code JOBWATCH_WATCH_WINDOW}), default 131,072; a watcher behind that reads Redis
 * @param page     most log text one update or poll brings (env {@code JOBWATCH_WATCH_PAGE}), default
 *                 1 MiB, read from Redis in bounded calls of about 32 KiB each; more
 *                 than the log-row limit ({@link SettingRules}) and less than 2 GiB
 * @param maxStreams most SSE streams one pod keeps open (env {@code JOBWATCH_WATCH_MAX_STREAMS}); 0 (the
 *                 default) means what the heap holds, computed at start from the maximum heap by
 *                 {@link StreamCapacity}; past it a new stream gets 503 with {@code Retry-After}, so a pod
 *                 that is full sends its watchers to another one instead of running out of memory
 */
@Validated
@ConfigurationProperties("jobwatch.watch")
public record WatchProperties(
        @DefaultValue("100ms") @NotNull Duration cadence,
        @DefaultValue("5s") @NotNull Duration ping,
        @DefaultValue("60s") @NotNull Duration lifetime,
        @DefaultValue("6s") @NotNull Duration spread,
        @DefaultValue("5m") @NotNull Duration recheck,
        @DefaultValue("1s") @NotNull Duration linger,
        @DefaultValue("131072") @Min(1024) int window,
        @DefaultValue("1MB") @NotNull DataSize page,
        @DefaultValue("0") @Min(0) int maxStreams) {

    /** The setting, or when it is 0, what this JVM's maximum heap holds. */
    public int maxStreams() {
        return maxStreams > 0
                ? maxStreams
                : StreamCapacity.forHeap(Runtime.getRuntime().maxMemory());
    }

    /** Whether {@link #maxStreams()} was computed from the heap rather than set. */
    public boolean maxStreamsFromHeap() {
        return maxStreams == 0;
    }

    @AssertTrue(message = "the watch recheck must not be negative")
    public boolean isRecheckNotNegative() {
        return recheck == null || !recheck.isNegative();
    }

    /** The page is counted in an {@code int}, as the scripts that read it take it. */
    @AssertTrue(message = "the watch page must be less than 2 GiB")
    public boolean isPageAnInt() {
        return page == null || page.toBytes() <= Integer.MAX_VALUE;
    }
}
