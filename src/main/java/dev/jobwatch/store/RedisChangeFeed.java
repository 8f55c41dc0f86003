package dev.jobwatch.store;

import dev.jobwatch.job.JobRef;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
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
final class RedisChangeFeed implements ChangeFeed {

    private static final Logger log = LoggerFactory.getLogger(RedisChangeFeed.class);

    private final LazyConnection<StatefulRedisPubSubConnection<String, String>> connection;
    private final String prefix;
    private final boolean sharded;
    private final Counter received;
    private final Map<String, FluxSink<Change>> sinks = new ConcurrentHashMap<>();

    /**
     * @param topologyChanges after each, sharded subscriptions are made again (Lettuce leaves them on
     *                        the node that owned the slot) and every job is woken to re-read what it
     *                        may have missed meanwhile
     */
    RedisChangeFeed(
            LazyConnection<StatefulRedisPubSubConnection<String, String>> connection,
            String prefix,
            boolean sharded,
            MeterRegistry meters,
            Flux<Object> topologyChanges) {
        this.connection = connection;
        this.prefix = prefix;
        this.sharded = sharded;
        this.received = Counter.builder("jobwatch.notifications.received")
                .description("Change notifications received from Redis")
                .register(meters);
        Gauge.builder("jobwatch.subscriptions.open", sinks, Map::size)
                .description("Jobs this pod is subscribed to")
                .register(meters);
        connection.whenConnected(made -> made.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                wake(channel, message);
            }

            @Override
            public void smessage(String channel, String message) {
                wake(channel, message);
            }
        }));
        topologyChanges.subscribe(change -> resubscribe());
    }

    private void resubscribe() {
        StatefulRedisPubSubConnection<String, String> made = connection.now();
        sinks.forEach((channel, sink) -> {
            if (sharded && made != null) {
                made.reactive()
                        .ssubscribe(channel)
                        .subscribe(
                                null, error -> log.debug("ssubscribe {} again failed: {}", channel, error.toString()));
            }
            sink.next(Change.SIGNAL);
        });
    }

    private void wake(String channel, String message) {
        received.increment();
        FluxSink<Change> sink = sinks.get(channel);
        if (sink != null) {
            sink.next(Change.parse(message));
        }
    }

    @Override
    public Flux<Change> changes(JobRef ref) {
        String channel = JobKeys.of(prefix, ref).channel();
        return connection
                .get()
                .onErrorMap(StoreFailures::translate)
                .flatMapMany(made -> Flux.<Change>create(
                        sink -> {
                            sinks.put(channel, sink);
                            sink.onDispose(() -> {
                                // A newer subscriber of the same job (a hub that replaced this one) keeps the channel.
                                if (sinks.remove(channel, sink)) {
                                    var commands = made.reactive();
                                    (sharded ? commands.sunsubscribe(channel) : commands.unsubscribe(channel))
                                            .subscribe(
                                                    null,
                                                    error -> log.debug(
                                                            "unsubscribe {} failed: {}", channel, error.toString()));
                                }
                            });
                            var commands = made.reactive();
                            (sharded ? commands.ssubscribe(channel) : commands.subscribe(channel))
                                    .subscribe(
                                            null,
                                            error -> sink.error(StoreFailures.translate(error)),
                                            () -> sink.next(Change.SIGNAL));
                        },
                        FluxSink.OverflowStrategy.LATEST));
    }

    @Override
    public int subscriptions() {
        return sinks.size();
    }
}
