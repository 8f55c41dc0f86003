package dev.jobwatch;

/**
 * One Redis Cluster for the suites that run a second time on a cluster: started by the first of them,
 * stopped when the test JVM ends (the fixture's shutdown hook).
 */
public final class SharedTestCluster {

    private SharedTestCluster() {}

    public static String seeds() {
        return Holder.CLUSTER.seeds();
    }

    private static final class Holder {
        static final TestRedisCluster CLUSTER = new TestRedisCluster();
    }
}
