package dev.jobwatch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import redis.embedded.RedisServer;

/** A Redis process of a test's own, on a free loopback port, that the test may stop and start again. */
public final class TestRedis implements AutoCloseable {

    private int port;
    private RedisServer server;

    /** Another process may take a probed port before Redis binds it: then try another one. */
    public TestRedis() {
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

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts Redis again on its port, after {@link #stop}. */
    public void start() {
        start(port);
    }

    private void start(int port) {
        try {
            server = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
                    .setting("save \"\"").setting("appendonly no").build();
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
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
