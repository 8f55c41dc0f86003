package dev.jobwatch.config;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * How watchers are served.
 *
 * @param auth     {@code token}: a watcher needs a producer token for the job's namespace or the job's
 *                 watch token; {@code open}: anyone who can reach the pod reads any job by its id, as
 *                 Windmill's {@code jobs_u} routes (env {@code JOBWATCH_WATCH_AUTH}). Unset (null), it is
 *                 {@code token} with an external Redis and {@code open} in local mode
 * @param cadence  least time between two updates to one watcher (env {@code JOBWATCH_WATCH_CADENCE}),
 *                 default 100 ms
 * @param ping     time between pings (env {@code JOBWATCH_WATCH_PING}), default 5 s
 * @param lifetime how long a stream lives before {@code timeout} (env {@code JOBWATCH_WATCH_LIFETIME}),
 *                 default 60 s
 * @param spread   most random time added to each stream's lifetime, so reconnects do not come in step
 *                 (env {@code JOBWATCH_WATCH_SPREAD}), default 6 s
 * @param recheck  time between a hub's safety re-reads, which find a change whose notification was
 *                 lost (env {@code JOBWATCH_WATCH_RECHECK}), default 3 s
 * @param linger   how long a hub stays after its last watcher leaves, so churn does not thrash Redis
 *                 subscriptions (env {@code JOBWATCH_WATCH_LINGER}), default 1 s
 * @param window   log code points each hub keeps in memory for its watchers (env
 *                 {@code JOBWATCH_WATCH_WINDOW}), default 131,072; a watcher behind that reads Redis
 * @param page     most log text one read brings (env {@code JOBWATCH_WATCH_PAGE}), default 1 MiB
 * @param maxStreams most SSE streams one pod keeps open (env {@code JOBWATCH_WATCH_MAX_STREAMS}), default
 *                 100,000; past it a new stream gets 503 with {@code Retry-After}, so a pod that is full
 *                 sends its watchers to another one instead of running out of memory or file handles
 */
@Validated
@ConfigurationProperties("jobwatch.watch")
public record WatchProperties(
        Auth auth,
        @DefaultValue("100ms") @NotNull Duration cadence,
        @DefaultValue("5s") @NotNull Duration ping,
        @DefaultValue("60s") @NotNull Duration lifetime,
        @DefaultValue("6s") @NotNull Duration spread,
        @DefaultValue("3s") @NotNull Duration recheck,
        @DefaultValue("1s") @NotNull Duration linger,
        @DefaultValue("131072") @Min(1024) int window,
        @DefaultValue("1MB") @NotNull DataSize page,
        @DefaultValue("100000") @Min(1) int maxStreams) {

    public enum Auth {
        OPEN, TOKEN
    }

    /** Whether watchers need no token: only when set so, or when unset in local mode. */
    public boolean watchersOpen(RedisProperties redis) {
        return auth == null ? redis.embedded() : auth == Auth.OPEN;
    }
}
