package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobwatch.TestRedis;
import dev.jobwatch.TestServer;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.ClassPathResource;
import reactor.test.StepVerifier;

/**
 * A notification is lost the way pub/sub loses one: the pod's pub/sub connection is gone when the row
 * is written. The watcher still gets every row once and in order, with the safety re-read turned off:
 * the feed wakes the hub to re-read once its subscription is back, whether more rows follow the lost
 * one or the job goes quiet after it.
 */
class LostNotificationIntegrationTest {

    @Test
    void aRowWrittenWhileThePubSubConnectionIsGoneStillReachesTheWatcherOnce() {
        try (TestRedis redis = new TestRedis();
                TestServer server = new TestServer(redis.url(), "jobwatch.watch.recheck=0s");
                RedisClient client = RedisClient.create(redis.url());
                var probe = client.connect()) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            String token = api.add("quiet");
            String keys = "jobwatch:{" + api.namespace + "/quiet}:";
            String incarnation = probe.sync().hget(keys + "job", "inc");

            StepVerifier.create(new SseClient(server.port())
                            .updates(api.namespace, "quiet", "")
                            .map(update -> update.path("new_logs").asString(""))
                            .filter(logs -> !logs.isEmpty())
                            .scan(new StringBuilder(), StringBuilder::append)
                            .map(StringBuilder::toString)
                            .skip(1))
                    .then(() -> api.log("quiet", token, "heard"))
                    .expectNext("heard\n")
                    .then(() -> {
                        // The same write as the worker route makes, in one transaction with the kill of the
                        // pod's pub/sub connection: Redis publishes it to nobody, and the job goes quiet.
                        var commands = probe.sync();
                        commands.multi();
                        commands.clientKill(KillArgs.Builder.typePubsub());
                        appendLog(commands, keys, "changes", "lost é😀", 8, incarnation);
                        TransactionResult done = commands.exec();
                        assertThat((Long) done.get(0))
                                .as("pub/sub connections killed")
                                .isPositive();
                    })
                    .expectNext("heard\nlost é😀\n")
                    .then(() -> api.log("quiet", token, "after"))
                    .expectNext("heard\nlost é😀\nafter\n")
                    .thenCancel()
                    .verify(Duration.ofSeconds(20));
            assertThat(api.metrics()).containsPattern("jobwatch_subscriptions_resumed_total(\\{[^}]*\\})? [1-9]");
        }
    }

    /**
     * The signal comes but the read it asks for fails (here Redis holds every command past the pod's
     * command timeout, as while the command connection is still reconnecting after the feed's is back):
     * the read is owed and made again until it succeeds, with no safety re-read to fall back on.
     */
    @Test
    void aReadThatASignalAskedForAndThatFailedIsMadeAgain() {
        try (TestRedis redis = new TestRedis();
                TestServer server =
                        new TestServer(redis.url(), "jobwatch.watch.recheck=0s", "jobwatch.redis.timeout=500ms");
                RedisClient client = RedisClient.create(redis.url());
                var probe = client.connect()) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            String token = api.add("slow");
            String keys = "jobwatch:{" + api.namespace + "/slow}:";
            String incarnation = probe.sync().hget(keys + "job", "inc");

            StepVerifier.create(new SseClient(server.port())
                            .updates(api.namespace, "slow", "")
                            .map(update -> update.path("new_logs").asString(""))
                            .filter(logs -> !logs.isEmpty())
                            .scan(new StringBuilder(), StringBuilder::append)
                            .map(StringBuilder::toString)
                            .skip(1))
                    .then(() -> api.log("slow", token, "heard"))
                    .expectNext("heard\n")
                    .then(() -> {
                        var commands = probe.sync();
                        // Written unannounced, then announced by its version alone, which only a read can follow,
                        // while Redis answers no command for three of the pod's timeouts.
                        Object status = appendLog(commands, keys, "nobody-listens", "owed", 5, incarnation);
                        assertThat(status).isEqualTo("OK");
                        String version = commands.hget(keys + "job", "ver");
                        commands.multi();
                        commands.clientPause(1500);
                        commands.publish(keys + "changes", version);
                        commands.exec();
                    })
                    .expectNext("heard\nowed\n")
                    .thenCancel()
                    .verify(Duration.ofSeconds(20));
        }
    }

    /**
     * The same write as the worker route makes (log.lua, unkeyed), announced on {@code channel}: the job's
     * own ({@code changes}) or one nobody hears.
     */
    private static Object appendLog(
            RedisCommands<String, String> commands,
            String keys,
            String channel,
            String row,
            int codePointsWithNewline,
            String incarnation) {
        String script;
        try {
            script = new ClassPathResource("scripts/log.lua").getContentAsString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return commands.eval(
                script,
                ScriptOutputType.VALUE,
                new String[] {
                    keys + "job", keys + "log", keys + "stream", keys + channel, keys + "idem", keys + "idem-order"
                },
                Long.toString(System.currentTimeMillis()),
                "60000",
                "PUBLISH",
                row,
                Integer.toString(codePointsWithNewline),
                Integer.toString(1 << 24),
                "",
                "",
                "10000",
                incarnation);
    }
}
