package dev.jobwatch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.util.FileSystemUtils;
import redis.embedded.RedisServer;

/** A Redis process of a test's own, on a free loopback port, that the test may stop and start again. */
public final class TestRedis implements AutoCloseable {

    private int port;
    private RedisServer server;
    /** Where an append-only file keeps every write, fsynced before Redis answers; null keeps nothing. */
    private final Path dir;

    /** Another process may take a probed port before Redis binds it: then try another one. */
    public TestRedis() {
        this(null);
    }

    private TestRedis(Path dir) {
        this.dir = dir;
        UncheckedIOException failure = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int candidate = freePort();
            try {
                start(candidate);
                this.port = candidate;
                return;
            } catch (UncheckedIOException e) {
                failure = e;
            }
        }
        throw failure;
    }

    /**
     * A Redis that keeps every acknowledged write on disk (AOF, fsync always) and is killed (SIGKILL)
     * by {@link #stop}, so that a restart comes back with exactly what it acknowledged.
     */
    public static TestRedis persistent() {
        try {
            return new TestRedis(Files.createTempDirectory("jobwatch-redis-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A port for a Redis that is not there yet: {@link #start} starts it. */
    public static TestRedis notStarted() {
        TestRedis redis = new TestRedis();
        redis.stop();
        return redis;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** The Redis in {@code REDIS_URL} when it is set (CI sets it), else one of the caller's own. */
    public static Lease fromEnvironment() {
        String url = System.getenv("REDIS_URL");
        if (url == null || url.isBlank()) {
            TestRedis own = new TestRedis();
            return new Lease(own.url(), own);
        }
        return new Lease(url, null);
    }

    /** A Redis to use, and the one to stop afterwards if the test started it. */
    public record Lease(String url, TestRedis own) implements AutoCloseable {
        @Override
        public void close() {
            if (own != null) {
                own.close();
            }
        }
    }

    /** Starts Redis again on its port, after {@link #stop}. */
    public void start() {
        start(port);
    }

    private void start(int port) {
        try {
            server = dir == null
                    ? RedisServer.newRedisServer()
                            .port(port)
                            .bind("127.0.0.1")
                            .setting("save \"\"")
                            .setting("appendonly no")
                            .build()
                    : RedisServer.newRedisServer()
                            .port(port)
                            .bind("127.0.0.1")
                            .onShutdownForceStop(true)
                            .setting("save \"\"")
                            .setting("dir " + dir)
                            .setting("appendonly yes")
                            .setting("appendfsync always")
                            .build();
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void stop() {
        try {
            if (server != null && server.isActive()) {
                server.stop();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        stop();
        if (dir != null) {
            try {
                FileSystemUtils.deleteRecursively(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
