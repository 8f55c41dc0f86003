package dev.jobwatch.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A TCP relay in front of a server that can cut every connection through it at once, as a network
 * fault or a dying proxy would: the client sees its stream end with no last event. It keeps what
 * clients sent (the first 64 KiB of each connection) so a test can see how they came back.
 */
final class DroppingProxy implements AutoCloseable {

    private static final int KEPT_BYTES = 64 * 1024;

    private final ServerSocket listener;
    private final int target;
    private final List<Socket> open = new ArrayList<>();
    private final List<ByteArrayOutputStream> sent = new ArrayList<>();

    DroppingProxy(int target) {
        this.target = target;
        try {
            listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread acceptor = new Thread(this::accept, "dropping-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Closes every connection open through the relay; new ones are relayed as before. */
    synchronized void dropAll() {
        for (Socket socket : open) {
            closeQuietly(socket);
        }
        open.clear();
    }

    /** Everything clients have sent through the relay so far, as text. */
    synchronized String sentByClients() {
        StringBuilder all = new StringBuilder();
        for (ByteArrayOutputStream bytes : sent) {
            synchronized (bytes) {
                all.append(bytes.toString(StandardCharsets.ISO_8859_1));
            }
        }
        return all.toString();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server;
                try {
                    server = new Socket(InetAddress.getLoopbackAddress(), target);
                } catch (IOException down) {
                    closeQuietly(client);
                    continue;
                }
                ByteArrayOutputStream request = new ByteArrayOutputStream();
                synchronized (this) {
                    open.add(client);
                    open.add(server);
                    sent.add(request);
                }
                pump(client, server, request);
                pump(server, client, null);
            } catch (IOException e) {
                // the listener closed
            }
        }
    }

    private void pump(Socket from, Socket to, ByteArrayOutputStream copy) {
        Thread pump = new Thread(
                () -> {
                    byte[] buffer = new byte[8192];
                    try (InputStream in = from.getInputStream();
                            OutputStream out = to.getOutputStream()) {
                        for (int n; (n = in.read(buffer)) >= 0; ) {
                            out.write(buffer, 0, n);
                            out.flush();
                            if (copy != null) {
                                synchronized (copy) {
                                    copy.write(buffer, 0, Math.min(n, Math.max(0, KEPT_BYTES - copy.size())));
                                }
                            }
                        }
                    } catch (IOException e) {
                        // one side went away: close both below
                    } finally {
                        closeQuietly(from);
                        closeQuietly(to);
                    }
                },
                "dropping-proxy-pump");
        pump.setDaemon(true);
        pump.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        dropAll();
    }
}
