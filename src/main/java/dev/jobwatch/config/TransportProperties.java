package dev.jobwatch.config;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The network transport under the pod's HTTP server and its Redis connections.
 *
 * @param transport {@code auto} (default: Linux's epoll where Netty's native library loads, else Java's
 *                  NIO), {@code epoll}, {@code io_uring} (the HTTP server; Redis connections use epoll)
 *                  or {@code nio}, the fallback that runs everywhere (env {@code JOBWATCH_TRANSPORT})
 * @param ioThreads event loop threads of the HTTP server; 0 (default) for one per CPU
 *                  (env {@code JOBWATCH_IO_THREADS})
 */
@Validated
@ConfigurationProperties("jobwatch")
public record TransportProperties(
        @DefaultValue("auto") @NotNull Transport transport,
        @DefaultValue("0") @Min(0) int ioThreads) {

    public enum Transport {
        AUTO,
        EPOLL,
        IO_URING,
        NIO
    }

    /** The HTTP server's event loop threads. */
    public int serverThreads() {
        return ioThreads > 0 ? ioThreads : Runtime.getRuntime().availableProcessors();
    }
}
