package dev.jobwatch.store;

import dev.jobwatch.SharedTestCluster;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The contract of every source, on jobwatch's own store on a Redis Cluster of 3 masters and 3 replicas. */
class RedisJobStoreOnClusterContractIntegrationTest extends RedisJobStoreContractIntegrationTest {

    @DynamicPropertySource
    static void cluster(DynamicPropertyRegistry registry) {
        registry.add("jobwatch.redis.url", SharedTestCluster::seeds);
    }
}
