package dev.jobwatch.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import redis.embedded.RedisServer;

/**
 * A Redis 6.2 child process on a free loopback port, from the binary that the embedded-redis
 * artifact ships, so that the server runs on a machine with no Redis installed. Keeps nothing on disk.
 */
final class EmbeddedRedis implements AutoCloseable {

    private static final int ATTEMPTS = 5;

    private final RedisServer server;
    private final int port;

    private EmbeddedRedis(RedisServer server, int port) {
        this.server = server;
        this.port = port;
    }

    static EmbeddedRedis start() {
        IOException last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int port = freePort();
            try {
                RedisServer server = RedisServer.newRedisServer()
                        .port(port)
                        .bind("127.0.0.1")
                        .setting("save \"\"")
                        .setting("appendonly no")
                        .build();
                server.start();
                return new EmbeddedRedis(server, port);
            } catch (IOException e) {
                // Another process may have taken the port between our probe and Redis's bind.
                last = e;
            }
        }
        throw new UncheckedIOException("cannot start the embedded Redis", last);
    }

    String url() {
        return "redis://127.0.0.1:" + port;
    }

    int port() {
        return port;
    }

    @Override
    public void close() throws IOException {
        server.stop();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
