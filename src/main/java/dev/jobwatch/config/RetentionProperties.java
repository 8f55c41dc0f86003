package dev.jobwatch.config;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * How long and how much Redis keeps of a job.
 *
 * @param completed how long a completed job stays readable (env {@code JOBWATCH_RETENTION_COMPLETED}),
 *                  default 24 h
 * @param idle      how long a job that never completes stays after its last write (env
 *                  {@code JOBWATCH_RETENTION_IDLE}), default 7 days, so an abandoned job cannot hold
 *                  memory for ever
 * @param log       the most log text one job keeps (env {@code JOBWATCH_RETENTION_LOG}), default 16 MiB;
 *                  past it the oldest rows are dropped
 */
@Validated
@ConfigurationProperties("jobwatch.retention")
public record RetentionProperties(
        @DefaultValue("24h") @NotNull Duration completed,
        @DefaultValue("7d") @NotNull Duration idle,
        @DefaultValue("16MB") @NotNull DataSize log) {

    @AssertTrue(message = "retention times must be at least one second")
    public boolean isPositive() {
        return completed.toMillis() >= 1000 && idle.toMillis() >= 1000;
    }
}
