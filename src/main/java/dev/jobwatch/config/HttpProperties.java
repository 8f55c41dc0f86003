package dev.jobwatch.config;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How long a connection may hold the server without a request being served, and how many streams one
 * client may hold.
 *
 * @param headerTimeout        longest time for a request's line and headers to arrive, counted from the
 *                             connection's start for its first request and from the first byte of each
 *                             later one, and the longest pause within a request's body (env
 *                             {@code JOBWATCH_HTTP_HEADER_TIMEOUT}), default 10 s; past it the connection
 *                             is closed
 * @param idleTimeout          longest time a kept-alive connection may wait for its next request (env
 *                             {@code JOBWATCH_HTTP_IDLE_TIMEOUT}), default 60 s; a connection that serves
 *                             a stream is not idle
 * @param maxStreamsPerClient  most SSE streams one client may hold open at once (env
 *                             {@code JOBWATCH_HTTP_MAX_STREAMS_PER_CLIENT}), default 1,000, so that one
 *                             client cannot take a pod's streams from everyone; 0: no cap; past it a new
 *                             stream gets 429. A client is its address, as {@code trustedProxies} finds it:
 *                             behind a proxy without that setting, every client shares the proxy's cap
 * @param trustedProxies       how many proxies in front of jobwatch add the address they took a request
 *                             from to {@code X-Forwarded-For} (env {@code JOBWATCH_HTTP_TRUSTED_PROXIES}),
 *                             default 0: the header is ignored and a client is the connection's address.
 *                             With n, a client is the n-th address from the header's end: entries before
 *                             it came from the client and may be forged
 */
@Validated
@ConfigurationProperties("jobwatch.http")
public record HttpProperties(
        @DefaultValue("10s") @NotNull Duration headerTimeout,
        @DefaultValue("60s") @NotNull Duration idleTimeout,
        @DefaultValue("1000") @Min(0) int maxStreamsPerClient,
        @DefaultValue("0") @Min(0) @Max(10) int trustedProxies) {

    @AssertTrue(message = "the header and idle timeouts must be at least 100 ms")
    public boolean isTimeoutsPositive() {
        return headerTimeout.toMillis() >= 100 && idleTimeout.toMillis() >= 100;
    }
}
