package dev.jobwatch.harness;

import io.netty.buffer.ByteBuf;
import reactor.core.Disposable;

/**
 * One SSE stream of {@link SseClient}, read as its bytes come, without buffering them: it scans for
 * {@code ts=<epoch micros>} (a row, whether JSON-escaped in jobwatch's {@code new_logs} or raw in nchan's data
 * line), optionally followed by {@code .<n>}, the row's number in its job, and for blank lines (an event's end).
 * A row written before the stream opened is not counted as a delivery.
 *
 * <p>The rows of one job are numbered from 0 by their one sequential writer, so each must come once, in
 * order: the stream counts the numbered rows it heard and those that were not the next one.
 */
final class SseStream {

    private static final int SEEK = 0;
    private static final int T = 1;
    private static final int TS = 2;
    private static final int MICROS = 3;
    private static final int NUMBER = 4;

    private final int target;
    private final Deliveries deliveries;
    private final long openedMicros = Time.epochMicros();
    private volatile Disposable connection;
    private int state = SEEK;
    private long micros;
    private long number;
    private byte last;
    private volatile long numbered;
    private volatile long outOfOrder;

    SseStream(int target, Deliveries deliveries) {
        this.target = target;
        this.deliveries = deliveries;
    }

    /** Which of the URIs given to {@link SseClient#open} this stream follows. */
    int target() {
        return target;
    }

    /** Numbered rows ({@code ts=<micros>.<n>}) heard. */
    long numbered() {
        return numbered;
    }

    /** Numbered rows heard that were not the next of their job. */
    long outOfOrder() {
        return outOfOrder;
    }

    void connectedBy(Disposable connection) {
        this.connection = connection;
    }

    void close() {
        connection.dispose();
    }

    /** True once closed, or once the server ended the stream. */
    boolean closed() {
        return connection.isDisposed();
    }

    void scan(ByteBuf buf) {
        long now = 0;
        for (int i = buf.readerIndex(), end = buf.writerIndex(); i < end; i++) {
            byte b = buf.getByte(i);
            if (b == '\n' && last == '\n') {
                deliveries.event();
            }
            last = b;
            switch (state) {
                case SEEK -> state = b == 't' ? T : SEEK;
                case T -> state = b == 's' ? TS : b == 't' ? T : SEEK;
                case TS -> {
                    state = b == '=' ? MICROS : b == 't' ? T : SEEK;
                    micros = 0;
                }
                case MICROS -> {
                    if (b >= '0' && b <= '9') {
                        micros = micros * 10 + (b - '0');
                    } else {
                        if (now == 0) {
                            now = Time.epochMicros();
                        }
                        if (micros >= openedMicros) {
                            deliveries.row(now - micros);
                        }
                        number = 0;
                        state = b == '.' ? NUMBER : b == 't' ? T : SEEK;
                    }
                }
                default -> {
                    if (b >= '0' && b <= '9') {
                        number = number * 10 + (b - '0');
                    } else {
                        if (number != numbered) {
                            outOfOrder++;
                        }
                        numbered++;
                        state = b == 't' ? T : SEEK;
                    }
                }
            }
        }
    }
}
