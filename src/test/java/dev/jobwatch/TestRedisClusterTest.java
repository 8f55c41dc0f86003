package dev.jobwatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.RedisClusterPubSubAdapter;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/** Proves {@link TestRedisCluster}: a working cluster, sharded pub/sub on Redis 7, and a failover. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TestRedisClusterTest {

    private TestRedisCluster cluster;
    private RedisClusterClient client;
    private StatefulRedisClusterConnection<String, String> connection;

    @BeforeAll
    void startCluster() {
        cluster = new TestRedisCluster();
        client = cluster.newClient();
        connection = client.connect();
    }

    @AfterAll
    void stopCluster() {
        if (connection != null) {
            connection.close();
        }
        if (client != null) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void startsThreeMastersWithReplicasAndPrintsTheSeeds() {
        assertThat(cluster.seeds().split(","))
                .hasSize(TestRedisCluster.NODES)
                .allSatisfy(seed -> assertThat(seed).matches("redis://127\\.0\\.0\\.1:\\d+"));
        assertThat(cluster.masterPorts()).hasSize(3);
        assertThat(cluster.healthy()).isTrue();
        assertThat(client.getPartitions()).hasSize(TestRedisCluster.NODES);
    }

    @Test
    @Order(2)
    void keysWithDifferentHashTagsLandInDifferentSlotsOnDifferentMastersAndReadBack() {
        RedisAdvancedClusterCommands<String, String> redis = connection.sync();
        Map<String, Integer> keyToMaster = new LinkedHashMap<>();
        Set<Integer> masters = new HashSet<>();
        for (int i = 0; masters.size() < 3 && i < 100; i++) {
            String key = "job:{tag-" + i + "}:state";
            int master = cluster.masterPortForKey(key);
            if (masters.add(master)) {
                keyToMaster.put(key, master);
            }
        }
        assertThat(keyToMaster).hasSize(3);
        assertThat(keyToMaster.keySet().stream().map(SlotHash::getSlot).distinct())
                .hasSize(3);

        keyToMaster.forEach(
                (key, master) -> assertThat(redis.set(key, "value of " + key)).isEqualTo("OK"));

        keyToMaster.forEach((key, master) -> {
            assertThat(redis.get(key)).isEqualTo("value of " + key);
            // the key is stored on the master that owns its slot
            RedisClusterCommands<String, String> node = redis.getConnection("127.0.0.1", master);
            assertThat(node.clusterCountKeysInSlot(SlotHash.getSlot(key))).isEqualTo(1L);
        });
    }

    @Test
    @Order(3)
    void shardedPubSubReachesTheSubscriberOnRedis7() {
        String version = connection
                .sync()
                .info("server")
                .lines()
                .filter(line -> line.startsWith("redis_version:"))
                .map(line -> line.substring("redis_version:".length()).strip())
                .findFirst()
                .orElse("0");
        Assumptions.assumeTrue(
                Integer.parseInt(version.split("\\.")[0]) >= 7,
                "sharded pub/sub needs Redis 7; the cluster runs " + version);

        String channel = "x:{job-pubsub}:changes";
        ConcurrentLinkedQueue<String> received = new ConcurrentLinkedQueue<>();
        try (StatefulRedisClusterPubSubConnection<String, String> pubSub = client.connectPubSub()) {
            pubSub.addListener(new RedisClusterPubSubAdapter<>() {
                @Override
                public void smessage(RedisClusterNode node, String ch, String message) {
                    received.add(ch + "=" + message);
                }
            });
            pubSub.sync().ssubscribe(channel);

            // SPUBLISH from another connection; it is routed to the shard that owns the channel's slot
            assertThat(connection.sync().spublish(channel, "changed")).isEqualTo(1L);

            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(received).containsExactly(channel + "=changed"));
        }
    }

    @Test
    @Order(4)
    void aKilledMastersReplicaTakesOverAndTheKeyIsReadableAgain() {
        String key = "{job-a}";
        int master = cluster.masterPortForKey(key);
        RedisClusterCommands<String, String> owner = connection.sync().getConnection("127.0.0.1", master);
        assertThat(owner.set(key, "written before the failover")).isEqualTo("OK");
        assertThat(owner.waitForReplication(1, 2000))
                .as("replicas that acknowledged the write")
                .isEqualTo(1L);
        assertThat(connection.sync().get(key)).isEqualTo("written before the failover");

        long killedAt = System.nanoTime();
        cluster.killMaster(master);
        cluster.awaitHealthy(Duration.ofSeconds(15));
        long healthyAt = System.nanoTime();

        int promoted = cluster.masterPortForKey(key);
        assertThat(promoted).isNotEqualTo(master);
        assertThat(cluster.masterPorts()).hasSize(3).doesNotContain(master).contains(promoted);

        // the connection made before the kill follows the new topology by itself (TestRedisCluster.clientOptions)
        await().atMost(Duration.ofSeconds(10))
                .ignoreExceptions()
                .untilAsserted(() -> assertThat(connection.sync().get(key)).isEqualTo("written before the failover"));
        long readableAt = System.nanoTime();
        System.out.printf(
                "failover: killed %d, healthy after %d ms, %s on %d readable after %d ms%n",
                master, (healthyAt - killedAt) / 1_000_000, key, promoted, (readableAt - killedAt) / 1_000_000);

        List<Integer> live = cluster.livePorts();
        assertThat(live).hasSize(TestRedisCluster.NODES - 1).doesNotContain(master);
        assertThat(connection.sync().set(key, "written after the failover")).isEqualTo("OK");
        assertThat(connection.sync().get(key)).isEqualTo("written after the failover");
    }
}
