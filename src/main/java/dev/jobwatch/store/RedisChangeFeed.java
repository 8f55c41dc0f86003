package dev.jobwatch.store;

import dev.jobwatch.job.JobRef;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * The change feed on Redis pub/sub: one connection per pod, one channel subscription per watched job,
 * and one listener that hands each message to the job's sink by channel name, so a message costs a map
 * lookup whatever the number of jobs watched. Lettuce subscribes the channels again by itself after
 * a reconnect; what was published while it was away is recovered by the readers' re-reads.
 */
final class RedisChangeFeed implements ChangeFeed, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisChangeFeed.class);

    private final StatefulRedisPubSubConnection<String, String> connection;
    private final String prefix;
    private final Map<String, FluxSink<Long>> sinks = new ConcurrentHashMap<>();

    RedisChangeFeed(StatefulRedisPubSubConnection<String, String> connection, String prefix) {
        this.connection = connection;
        this.prefix = prefix;
        connection.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                FluxSink<Long> sink = sinks.get(channel);
                if (sink != null) {
                    sink.next(1L);
                }
            }
        });
    }

    @Override
    public Flux<Long> changes(JobRef ref) {
        String channel = JobKeys.of(prefix, ref).channel();
        return Flux.create(sink -> {
            sinks.put(channel, sink);
            sink.onDispose(() -> {
                // A newer subscriber of the same job (a hub that replaced this one) keeps the channel.
                if (sinks.remove(channel, sink)) {
                    connection.reactive().unsubscribe(channel).subscribe(null,
                            error -> log.debug("unsubscribe {} failed: {}", channel, error.toString()));
                }
            });
            connection.reactive().subscribe(channel).subscribe(null,
                    error -> sink.error(RedisJobStore.translate(error)),
                    () -> sink.next(0L));
        }, FluxSink.OverflowStrategy.LATEST);
    }

    @Override
    public int subscriptions() {
        return sinks.size();
    }

    @Override
    public void close() {
        connection.close();
    }
}
