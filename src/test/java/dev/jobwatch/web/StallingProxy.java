package dev.jobwatch.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A TCP relay in front of Redis that can hold its replies: what clients send goes through at once, what
 * Redis answers waits until {@link #release}. So a command is run but its reply is late, as when Redis
 * stalls between a write and its answer.
 */
final class StallingProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final int target;
    private final List<Socket> open = new ArrayList<>();
    private boolean holding;

    StallingProxy(int target) {
        this.target = target;
        try {
            listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread acceptor = new Thread(this::accept, "stalling-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String url() {
        return "redis://127.0.0.1:" + listener.getLocalPort();
    }

    /** Redis's replies wait from now on; commands still reach it. */
    synchronized void hold() {
        holding = true;
    }

    /** The replies held go out, in order, and later ones as they come. */
    synchronized void release() {
        holding = false;
        notifyAll();
    }

    private synchronized void awaitRelease() throws InterruptedException {
        while (holding) {
            wait();
        }
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
                synchronized (this) {
                    open.add(client);
                    open.add(server);
                }
                pump(client, server, false);
                pump(server, client, true);
            } catch (IOException e) {
                // the listener closed, or Redis is away: the client sees its connection fail
            }
        }
    }

    private void pump(Socket from, Socket to, boolean replies) {
        Thread pump = new Thread(
                () -> {
                    byte[] buffer = new byte[8192];
                    try (InputStream in = from.getInputStream();
                            OutputStream out = to.getOutputStream()) {
                        for (int n; (n = in.read(buffer)) >= 0; ) {
                            if (replies) {
                                awaitRelease();
                            }
                            out.write(buffer, 0, n);
                            out.flush();
                        }
                    } catch (IOException | InterruptedException e) {
                        // one side went away: close both below
                    } finally {
                        closeQuietly(from);
                        closeQuietly(to);
                    }
                },
                "stalling-proxy-pump");
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
    public synchronized void close() {
        release();
        try {
            listener.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        open.forEach(StallingProxy::closeQuietly);
    }
}
