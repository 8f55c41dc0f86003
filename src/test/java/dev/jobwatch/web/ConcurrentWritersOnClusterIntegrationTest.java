package dev.jobwatch.web;

import dev.jobwatch.SharedTestCluster;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** Every test of {@link ConcurrentWritersIntegrationTest} again, on a Redis Cluster of 3 masters and 3 replicas. */
class ConcurrentWritersOnClusterIntegrationTest extends ConcurrentWritersIntegrationTest {

    @DynamicPropertySource
    static void cluster(DynamicPropertyRegistry registry) {
        registry.add("jobwatch.redis.url", SharedTestCluster::seeds);
    }
}
