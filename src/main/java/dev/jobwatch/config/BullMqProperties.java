package dev.jobwatch.config;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Jobs that real BullMQ workers run, read from the Redis that BullMQ writes.
 *
 * @param queues  the BullMQ queues to serve, comma-separated, or {@code *} for every queue (env
 *                {@code JOBWATCH_BULLMQ_QUEUES}); empty (the default) leaves the BullMQ source off.
 *                Queue {@code q} is served under the namespace {@code bullmq.q}
 * @param prefix  BullMQ's key prefix, as given to its Queue and Worker (env {@code JOBWATCH_BULLMQ_PREFIX}),
 *                default {@code bull}; on a Redis Cluster it must be a hash tag such as {@code {bull}}
 * @param logPoll time between checks of a watched BullMQ job's log length, since BullMQ announces no
 *                log row (env {@code JOBWATCH_BULLMQ_LOG_POLL}), default 250 ms
 */
@Validated
@ConfigurationProperties("jobwatch.bullmq")
public record BullMqProperties(
        @DefaultValue("")
        @NotNull
        @Pattern(
                regexp = "^$|^\\*$|^[A-Za-z0-9._-]+(\\s*,\\s*[A-Za-z0-9._-]+)*$",
                message = "must be *, or comma-separated queue names of A-Z, a-z, 0-9, '.', '_' or '-'")
        String queues,

        @DefaultValue("bull") @Pattern(regexp = "[A-Za-z0-9._:{}-]{1,64}")
        String prefix,

        @DefaultValue("250ms") @NotNull Duration logPoll) {

    public boolean enabled() {
        return !queues.isBlank();
    }
}
