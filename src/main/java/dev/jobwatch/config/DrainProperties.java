package dev.jobwatch.config;

import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How a pod leaves.
 *
 * @param timeout longest wait, after every stream was told {@code timeout}, for the streams to close
 *                before shutdown goes on (env {@code JOBWATCH_DRAIN_TIMEOUT}), default 20 s
 */
@Validated
@ConfigurationProperties("jobwatch.drain")
public record DrainProperties(@DefaultValue("20s") @NotNull Duration timeout) {}
