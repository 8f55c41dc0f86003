package dev.jobwatch.store;

import dev.jobwatch.config.BullMqProperties;
import dev.jobwatch.config.InvalidSettingException;
import dev.jobwatch.config.RedisProperties;
import dev.jobwatch.config.RetentionProperties;
import dev.jobwatch.config.TransportProperties;
import dev.jobwatch.store.bullmq.BullMqChangeFeed;
import dev.jobwatch.store.bullmq.BullMqJobStore;
import dev.jobwatch.store.bullmq.BullMqQueues;
import io.lettuce.core.RedisURI;
import io.lettuce.core.metrics.MicrometerCommandLatencyRecorder;
import io.lettuce.core.metrics.MicrometerOptions;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

/** Redis for the pod: where it is (or an embedded one), its connections, and what is built on them. */
@Configuration(proxyBeanMethods = false)
class RedisConfiguration {

    private static final Logger log = LoggerFactory.getLogger(RedisConfiguration.class);

    /** An embedded Redis that lives as long as this bean, when no Redis is configured. */
    record EmbeddedEndpoint(EmbeddedRedis embedded) implements AutoCloseable {

        @Override
        public void close() throws IOException {
            if (embedded != null) {
                embedded.close();
                log.info("Stopped the embedded Redis on port {}", embedded.port());
            }
        }
    }

    @Bean(destroyMethod = "close")
    EmbeddedEndpoint embeddedRedis(RedisProperties properties) {
        if (!properties.embedded()) {
            return new EmbeddedEndpoint(null);
        }
        EmbeddedRedis embedded = EmbeddedRedis.start();
        log.warn(
                "JOBWATCH_REDIS_URL is not set, so jobwatch started an embedded Redis on {} for LOCAL USE ONLY: "
                        + "its data is lost when the server stops. Set JOBWATCH_REDIS_URL to use a real Redis.",
                embedded.url());
        return new EmbeddedEndpoint(embedded);
    }

    /**
     * Reconnect attempts back off from 10 ms to at most 2 s (Lettuce's default grows to 30 s), so a
     * Redis that returns is in use again within about two seconds; command latencies go to Micrometer, by
     * command ({@link #redisLatencyWithoutAddresses}).
     */
    @Bean(destroyMethod = "shutdown")
    ClientResources redisResources(MeterRegistry meters, TransportProperties transport) {
        // Lettuce takes epoll, else io_uring, whichever loads, and is told otherwise only by these
        // properties, read once: the Redis connections follow the HTTP server's transport.
        TransportProperties.Transport chosen = transport.transport();
        if (chosen == TransportProperties.Transport.NIO || chosen == TransportProperties.Transport.IO_URING) {
            System.setProperty("io.lettuce.core.epoll", "false");
        }
        if (chosen != TransportProperties.Transport.IO_URING) {
            System.setProperty("io.lettuce.core.iouring", "false");
        }
        return DefaultClientResources.builder()
                .reconnectDelay(
                        Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(2), 2, TimeUnit.MILLISECONDS))
                .commandLatencyRecorder(new MicrometerCommandLatencyRecorder(meters, MicrometerOptions.create()))
                .build();
    }

    /**
     * Lettuce tags each command's latency with its connection's local and remote addresses: the pod's and
     * Redis's internal addresses, read by whoever scrapes the metrics, and a series per Redis node. Latency
     * is kept by command alone, as the dashboard reads it. A bean, so that every registry has it before
     * Lettuce's first meter.
     */
    @Bean
    MeterFilter redisLatencyWithoutAddresses() {
        MeterFilter withoutAddresses = MeterFilter.ignoreTags("local", "remote");
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return id.getName().startsWith("lettuce.") ? withoutAddresses.map(id) : id;
            }
        };
    }

    @Bean(destroyMethod = "close")
    RedisConnections redisConnections(
            ClientResources resources, EmbeddedEndpoint embedded, RedisProperties properties) {
        RedisConnections connections;
        if (embedded.embedded() != null) {
            connections = RedisConnections.standalone(
                    resources, RedisURI.create(embedded.embedded().url()), properties.timeout());
        } else if (properties.isCluster()) {
            connections = RedisConnections.cluster(
                    resources,
                    properties.urls().stream().map(RedisConfiguration::uri).toList(),
                    properties.timeout());
        } else {
            connections =
                    RedisConnections.standalone(resources, uri(properties.urls().get(0)), properties.timeout());
        }
        log.info("Connected to {}", connections.describe());
        return connections;
    }

    /**
     * Lettuce's own message for a URL it cannot parse may quote the URL, password and all, so it is
     * replaced (with no cause attached) by one that names what to check and never quotes the URL.
     */
    private static RedisURI uri(String url) {
        try {
            return RedisURI.create(url);
        } catch (RuntimeException e) {
            throw new InvalidSettingException(
                    RedisProperties.VARIABLE,
                    "holds a URL that is not one a Redis client can use (its text is not shown: it may hold a "
                            + "password): check its host, port and database number, and write a password's "
                            + "reserved characters percent-encoded (a comma as %2C, a space as %20, @ as %40).");
        }
    }

    /** BullMQ's queues as the settings name them, or none when the BullMQ source is off. */
    @Bean
    BullMqSource bullMqSource(BullMqProperties bullmq) {
        if (!bullmq.enabled()) {
            return new BullMqSource(null);
        }
        BullMqQueues queues = BullMqQueues.of(bullmq);
        log.info(
                "Serving BullMQ queues {} (key prefix {}) as namespaces {}<queue>",
                queues.all() ? "*" : queues.queues(),
                queues.prefix(),
                BullMqQueues.NAMESPACE_PREFIX);
        return new BullMqSource(queues);
    }

    /** @param queues the queues served, or null when the BullMQ source is off */
    record BullMqSource(BullMqQueues queues) {}

    /**
     * Pub/sub for jobwatch's own jobs; with the BullMQ source on, BullMQ's queues are heard on their
     * events streams. One XREAD waits at most half the command timeout (1 s at most), so it never
     * times out while it waits.
     */
    @Bean
    ChangeFeed changeFeed(
            RedisConnections connections,
            RedisProperties redis,
            BullMqProperties bullmq,
            BullMqSource source,
            MeterRegistry meters) {
        ChangeFeed own = new RedisChangeFeed(
                connections.pubSub(), redis.prefix(), connections.sharded(), meters, connections.topologyChanges());
        if (source.queues() == null) {
            return own;
        }
        Duration block = redis.timeout().dividedBy(2).compareTo(Duration.ofSeconds(1)) < 0
                ? redis.timeout().dividedBy(2)
                : Duration.ofSeconds(1);
        return new RoutingChangeFeed(
                own,
                new BullMqChangeFeed(connections, source.queues(), block, bullmq.logPoll(), Schedulers.parallel()),
                source.queues()::owns);
    }

    /** Every source of jobs behind one router: the reads, the workers' writes and the producers' calls. */
    @Bean
    JobSources jobSources(
            RedisConnections connections,
            RedisProperties redis,
            RetentionProperties retention,
            BullMqSource source,
            JsonMapper mapper) {
        RedisCalls calls = new RedisCalls(connections.commands());
        RedisJobStore own = new RedisJobStore(
                calls, redis.prefix(), retention, Clock.systemUTC(), connections.sharded() ? "SPUBLISH" : "PUBLISH");
        if (source.queues() == null) {
            return new JobSources(own, own, namespace -> false);
        }
        return new JobSources(
                own, new BullMqJobStore(calls, source.queues(), mapper, retention.idle()), source.queues()::owns);
    }

    /**
     * Readiness includes this: a pod that cannot reach Redis should get no traffic. Both connections
     * must be there (a pod that started before Redis makes them on first use), so that a watch that
     * comes once the pod is ready can subscribe.
     */
    @Bean
    ReactiveHealthIndicator redisHealthIndicator(RedisConnections connections) {
        return () -> connections
                .pubSub()
                .get()
                .then(connections.commands())
                .flatMap(commands -> commands.ping())
                .map(pong ->
                        Health.up().withDetail("redis", connections.describe()).build())
                .onErrorResume(
                        error -> Mono.just(Health.down().withException(error).build()));
    }
}
