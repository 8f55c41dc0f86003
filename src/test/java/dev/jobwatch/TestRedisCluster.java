package dev.jobwatch;

import static org.awaitility.Awaitility.await;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.models.partitions.ClusterPartitionParser;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A Redis Cluster of the test's own: 3 masters and 3 replicas on six free consecutive loopback ports,
 * started and stopped by {@code src/test/scripts/redis-cluster.sh} (the {@code redis-server} on PATH,
 * else the one the embedded-redis artifact ships). Set the system property
 * {@code jobwatch.test.redis-cluster.embedded=true} (or the environment variable
 * {@code REDIS_CLUSTER_EMBEDDED=1}) to force the embedded Redis 6.2 and the script's redis-cli-free path.
 *
 * <p>The cluster's own view is read over plain Lettuce connections to single nodes (CLUSTER NODES,
 * CLUSTER INFO); {@link #newClient()} makes a {@link RedisClusterClient} with the topology refresh
 * settings that let it follow a failover ({@link #clientOptions()}).
 */
public final class TestRedisCluster implements AutoCloseable {

    public static final int NODES = 6;

    private static final String HOST = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

    private final Path script;
    private final boolean embedded;
    private final Path dir;
    private final int basePort;
    private final String seeds;
    private final Set<Integer> killed = Collections.synchronizedSet(new TreeSet<>());
    private final ClientResources resources;
    private final RedisClient probes;
    private final Thread shutdownHook;
    private volatile boolean closed;

    public TestRedisCluster() {
        this(Boolean.getBoolean("jobwatch.test.redis-cluster.embedded")
                || "1".equals(System.getenv("REDIS_CLUSTER_EMBEDDED")));
    }

    public TestRedisCluster(boolean embedded) {
        this.script = locateScript();
        this.embedded = embedded;
        try {
            this.dir = Files.createTempDirectory("jobwatch-redis-cluster-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int base = -1;
        String started = null;
        IllegalStateException failure = null;
        for (int attempt = 0; attempt < 3 && started == null; attempt++) {
            base = freeBasePort();
            try {
                started = lastLine(run(START_TIMEOUT, "start", Integer.toString(base), dir.toString()));
            } catch (IllegalStateException e) {
                // another process may have taken one of the ports since they were found free
                failure = e;
            }
        }
        if (started == null) {
            try {
                run(SCRIPT_TIMEOUT, "stop", Integer.toString(base), dir.toString()); // removes dir
            } catch (RuntimeException e) {
                failure.addSuppressed(e);
            }
            throw failure;
        }
        this.basePort = base;
        this.seeds = started;
        this.shutdownHook = new Thread(this::stopQuietly, "redis-cluster-stop-" + basePort);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        this.resources = DefaultClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                .build();
        this.probes = RedisClient.create(resources);
        this.probes.setOptions(ClientOptions.builder()
                .autoReconnect(false)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(
                        SocketOptions.builder().connectTimeout(PROBE_TIMEOUT).build())
                .timeoutOptions(TimeoutOptions.enabled(PROBE_TIMEOUT))
                .build());
    }

    /** The seed list: {@code redis://127.0.0.1:p,redis://127.0.0.1:p+1,...} for all six nodes. */
    public String seeds() {
        return seeds;
    }

    /** The seeds as Lettuce URIs, each with a short command timeout. */
    public List<RedisURI> seedUris() {
        return Arrays.stream(seeds.split(","))
                .map(uri -> {
                    RedisURI parsed = RedisURI.create(uri.trim());
                    parsed.setTimeout(Duration.ofSeconds(5));
                    return parsed;
                })
                .collect(Collectors.toList());
    }

    /** All six ports, killed ones included. */
    public List<Integer> ports() {
        return IntStream.range(basePort, basePort + NODES).boxed().collect(Collectors.toList());
    }

    /** The ports of nodes that have not been killed. */
    public List<Integer> livePorts() {
        return ports().stream().filter(port -> !killed.contains(port)).collect(Collectors.toList());
    }

    /**
     * The ports of the masters that serve slots, as a live node sees them; killed masters and masters the
     * cluster has marked as failing are left out.
     */
    public List<Integer> masterPorts() {
        Partitions partitions = partitions();
        return partitions.stream()
                .filter(node -> node.getRole().isUpstream() && !node.hasNoSlots() && serving(node))
                .map(node -> node.getUri().getPort())
                .sorted()
                .collect(Collectors.toList());
    }

    /** The port of the master that a live node says owns the slot of {@code key}. */
    public int masterPortForKey(String key) {
        RedisClusterNode owner = partitions().getMasterBySlot(SlotHash.getSlot(key));
        if (owner == null) {
            throw new IllegalStateException("no master owns the slot of " + key);
        }
        return owner.getUri().getPort();
    }

    /** Kills (SIGKILL) the master on {@code port}; its replica takes over once the cluster notices. */
    public void killMaster(int port) {
        if (!masterPorts().contains(port)) {
            throw new IllegalArgumentException(port + " is not a live master; masters: " + masterPorts());
        }
        run(SCRIPT_TIMEOUT, "kill-master", Integer.toString(port), dir.toString());
        killed.add(port);
    }

    /**
     * Waits until the cluster is whole again: every live node reports {@code cluster_state:ok} and sees
     * every slot owned by a live master that no node has marked as failing. Right after
     * {@link #killMaster} the nodes still report {@code ok} until {@code cluster-node-timeout} (2 s)
     * passes, so the slot owners are checked too.
     */
    public void awaitHealthy(Duration timeout) {
        await("redis cluster on " + basePort + " healthy")
                .atMost(timeout)
                .pollInterval(Duration.ofMillis(100))
                .ignoreExceptions()
                .until(this::healthy);
    }

    /** Whether the cluster is whole right now (see {@link #awaitHealthy}). */
    public boolean healthy() {
        List<Integer> live = livePorts();
        for (int port : live) {
            Optional<Boolean> ok = probe(port, commands -> {
                if (!commands.clusterInfo().contains("cluster_state:ok")) {
                    return false;
                }
                Partitions partitions = parse(commands.clusterNodes());
                for (int slot = 0; slot < SlotHash.SLOT_COUNT; slot++) {
                    RedisClusterNode owner = partitions.getPartitionBySlot(slot);
                    if (owner == null || !owner.getRole().isUpstream() || !serving(owner)) {
                        return false;
                    }
                }
                return true;
            });
            if (!ok.orElse(false)) {
                return false;
            }
        }
        return !live.isEmpty();
    }

    /**
     * Client options for a cluster client that follows failovers: adaptive refresh on every trigger with
     * a short back-off, a periodic refresh as the safety net, failed nodes left out of the topology (so
     * their connections are closed instead of reconnecting forever), short connect and command timeouts.
     */
    public static ClusterClientOptions clientOptions() {
        ClusterTopologyRefreshOptions refresh = ClusterTopologyRefreshOptions.builder()
                .enableAllAdaptiveRefreshTriggers()
                .adaptiveRefreshTriggersTimeout(Duration.ofSeconds(1))
                .refreshTriggersReconnectAttempts(2)
                .enablePeriodicRefresh(Duration.ofSeconds(5))
                .dynamicRefreshSources(true)
                .closeStaleConnections(true)
                .build();
        return ClusterClientOptions.builder()
                .topologyRefreshOptions(refresh)
                .nodeFilter(node ->
                        !(node.is(NodeFlag.FAIL) || node.is(NodeFlag.EVENTUAL_FAIL) || node.is(NodeFlag.NOADDR)))
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(Duration.ofSeconds(1))
                        .build())
                .timeoutOptions(TimeoutOptions.enabled(Duration.ofSeconds(5)))
                .build();
    }

    /**
     * A new cluster client on {@link #seedUris()} with {@link #clientOptions()}. It shares this fixture's
     * client resources: the caller shuts it down before closing the fixture.
     */
    public RedisClusterClient newClient() {
        RedisClusterClient client = RedisClusterClient.create(resources, seedUris());
        client.setOptions(clientOptions());
        return client;
    }

    /** Stops every node and removes the cluster's directory. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            stop();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
            probes.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }

    // ----------------------------------------------------------------------------------------------

    private boolean serving(RedisClusterNode node) {
        return !killed.contains(node.getUri().getPort())
                && !node.is(NodeFlag.FAIL)
                && !node.is(NodeFlag.EVENTUAL_FAIL)
                && !node.is(NodeFlag.NOADDR);
    }

    /** CLUSTER NODES of the first live node that answers. */
    private Partitions partitions() {
        for (int port : livePorts()) {
            Optional<Partitions> partitions = probe(port, c -> parse(c.clusterNodes()));
            if (partitions.isPresent()) {
                return partitions.get();
            }
        }
        throw new IllegalStateException("no node of the cluster on " + basePort + " answers");
    }

    private static Partitions parse(String clusterNodes) {
        Partitions partitions = ClusterPartitionParser.parse(clusterNodes);
        partitions.updateCache();
        return partitions;
    }

    /** Runs {@code call} on a short-lived connection to one node; empty if the node does not answer. */
    private <T> Optional<T> probe(int port, Function<RedisCommands<String, String>, T> call) {
        RedisURI uri = RedisURI.builder()
                .withHost(HOST)
                .withPort(port)
                .withTimeout(PROBE_TIMEOUT)
                .build();
        try (StatefulRedisConnection<String, String> connection = probes.connect(uri)) {
            return Optional.ofNullable(call.apply(connection.sync()));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private void stop() {
        run(SCRIPT_TIMEOUT, "stop", Integer.toString(basePort), dir.toString());
    }

    private void stopQuietly() {
        try {
            stop();
        } catch (RuntimeException e) {
            System.err.println("redis-cluster: stopping the cluster on " + basePort + " failed: " + e.getMessage());
        }
    }

    /** Runs the script with no stdin, waits at most {@code timeout}, and returns its stdout. */
    private String run(Duration timeout, String... args) {
        List<String> command = new ArrayList<>(List.of("bash", script.toString()));
        if (embedded) {
            command.add("--embedded");
        }
        command.addAll(List.of(args));
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("redis-cluster-", ".out");
            err = Files.createTempFile("redis-cluster-", ".err");
            Process process = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within " + timeout + ":\n"
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited with " + process.exitValue()
                        + ":\n" + Files.readString(err, StandardCharsets.UTF_8));
            }
            return Files.readString(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a temp file
            }
        }
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        String last = lines[lines.length - 1].strip();
        if (!last.startsWith("redis://")) {
            throw new IllegalStateException("redis-cluster.sh printed no seed list: " + text);
        }
        return last;
    }

    private static Path locateScript() {
        String basedir = System.getProperty("basedir");
        List<Path> candidates = new ArrayList<>();
        if (basedir != null) {
            candidates.add(Path.of(basedir, "src/test/scripts/redis-cluster.sh"));
        }
        candidates.add(Path.of("src/test/scripts/redis-cluster.sh"));
        return candidates.stream()
                .map(Path::toAbsolutePath)
                .filter(Files::isRegularFile)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("src/test/scripts/redis-cluster.sh not found from "
                        + Path.of("").toAbsolutePath()));
    }

    /**
     * A random base in 20000..40000 such that the six ports and their cluster bus ports (+10000) can all
     * be bound on loopback right now.
     */
    private static int freeBasePort() {
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(20000, 40000 - NODES + 1);
            if (IntStream.range(base, base + NODES).allMatch(p -> bindable(p) && bindable(p + 10000))) {
                return base;
            }
        }
        throw new IllegalStateException("found no 6 free consecutive ports in 20000-40000");
    }

    private static boolean bindable(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName(HOST))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
