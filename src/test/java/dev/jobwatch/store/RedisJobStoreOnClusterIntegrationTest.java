package dev.jobwatch.store;

import dev.jobwatch.SharedTestCluster;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** Every test of {@link RedisJobStoreIntegrationTest} again, on a Redis Cluster of 3 masters and 3 replicas. */
class RedisJobStoreOnClusterIntegrationTest extends RedisJobStoreIntegrationTest {

    @DynamicPropertySource
    static void cluster(DynamicPropertyRegistry registry) {
        registry.add("jobwatch.redis.url", SharedTestCluster::seeds);
    }
}
