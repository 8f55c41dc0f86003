package dev.jobwatch.config;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;
import java.util.List;
import java.util.Arrays;

/**
 * Where the job state lives.
 *
 * @param url     {@code redis://} or {@code rediss://} URL (env {@code JOBWATCH_REDIS_URL}), or a
 *                comma-separated seed list of a Redis Cluster; empty (the default) starts an embedded
 *                Redis on a free loopback port, for local use only
 * @param cluster whether the URL names a Redis Cluster (env {@code JOBWATCH_REDIS_CLUSTER}); a seed
 *                list of more than one URL implies it
 * @param prefix  first part of every key and channel (env {@code JOBWATCH_REDIS_PREFIX}), default
 *                {@code jobwatch}; no braces, so it cannot break a job's hash tag
 * @param timeout how long one Redis command may take before the request gets 503 (env
 *                {@code JOBWATCH_REDIS_TIMEOUT}), default 2 s
 */
@Validated
@ConfigurationProperties("jobwatch.redis")
public record RedisProperties(
        @Pattern(regexp = "^$|^rediss?://[^,]+(,\\s*rediss?://[^,]+)*$",
                message = "must be a redis:// or rediss:// URL, or a comma-separated list of them") String url,
        @DefaultValue("false") boolean cluster,
        @DefaultValue("jobwatch") @Pattern(regexp = "[A-Za-z0-9._:-]{1,64}") String prefix,
        @DefaultValue("2s") @NotNull Duration timeout) {

    public boolean embedded() {
        return url == null || url.isBlank();
    }

    /** The URLs of the seed list, or the one URL. */
    public List<String> urls() {
        return embedded() ? List.of()
                : Arrays.stream(url.split(",")).map(String::trim).filter(u -> !u.isEmpty()).toList();
    }

    public boolean isCluster() {
        return cluster || urls().size() > 1;
    }
}
