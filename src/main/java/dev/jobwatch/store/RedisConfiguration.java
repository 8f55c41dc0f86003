package dev.jobwatch.store;

import dev.jobwatch.config.LimitProperties;
import dev.jobwatch.config.RedisProperties;
import dev.jobwatch.config.RetentionProperties;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * One Redis client and one shared, multiplexed connection for commands. Commands fail at once while
 * the connection is down (rather than queue without bound) and after a timeout, so that a request
 * gets a 503 instead of hanging; the connection reconnects by itself.
 */
@Configuration(proxyBeanMethods = false)
class RedisConfiguration {

    private static final Logger log = LoggerFactory.getLogger(RedisConfiguration.class);

    /** Where Redis is: the configured URL, or an embedded server that lives as long as this bean. */
    record RedisEndpoint(RedisURI uri, EmbeddedRedis embedded) implements AutoCloseable {

        @Override
        public void close() throws IOException {
            if (embedded != null) {
                embedded.close();
                log.info("Stopped the embedded Redis on port {}", embedded.port());
            }
        }
    }

    @Bean(destroyMethod = "close")
    RedisEndpoint redisEndpoint(RedisProperties properties) {
        if (!properties.embedded()) {
            return new RedisEndpoint(RedisURI.create(properties.url()), null);
        }
        EmbeddedRedis embedded = EmbeddedRedis.start();
        log.warn("JOBWATCH_REDIS_URL is not set, so jobwatch started an embedded Redis on {} for LOCAL USE ONLY: "
                + "its data is lost when the server stops. Set JOBWATCH_REDIS_URL to use a real Redis.",
                embedded.url());
        return new RedisEndpoint(RedisURI.create(embedded.url()), embedded);
    }

    /**
     * Reconnect attempts back off from 10 ms to at most 2 s (Lettuce's default grows to 30 s), so a
     * Redis that returns is in use again within about two seconds.
     */
    @Bean(destroyMethod = "shutdown")
    ClientResources redisResources() {
        return DefaultClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(2), 2, TimeUnit.MILLISECONDS))
                .build();
    }

    @Bean(destroyMethod = "shutdown")
    RedisClient redisClient(ClientResources resources, RedisEndpoint endpoint, RedisProperties properties) {
        RedisClient client = RedisClient.create(resources, endpoint.uri());
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(properties.timeout()))
                .socketOptions(SocketOptions.builder().connectTimeout(properties.timeout()).build())
                .build());
        return client;
    }

    @Bean(destroyMethod = "close")
    StatefulRedisConnection<String, String> redisConnection(RedisClient client) {
        return client.connect();
    }

    /** Subscriptions need a connection of their own: a subscribed connection takes no other commands. */
    @Bean(destroyMethod = "close")
    RedisChangeFeed changeFeed(RedisClient client, RedisProperties redis) {
        return new RedisChangeFeed(client.connectPubSub(), redis.prefix());
    }

    @Bean
    JobStore jobStore(StatefulRedisConnection<String, String> connection, RedisProperties redis,
            RetentionProperties retention, LimitProperties limits) {
        if (retention.log().toBytes() <= limits.log().toBytes()) {
            throw new IllegalStateException("JOBWATCH_RETENTION_LOG (" + retention.log()
                    + ") must be larger than JOBWATCH_LIMIT_LOG (" + limits.log() + ")");
        }
        return new RedisJobStore(connection.reactive(), redis.prefix(), retention, Clock.systemUTC());
    }
}
