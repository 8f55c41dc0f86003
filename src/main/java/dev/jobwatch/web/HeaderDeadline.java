package dev.jobwatch.web;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose request line and headers do not all arrive in time: for its first request
 * counted from the connection's start, for a later one from its first byte. Between the two the
 * connection is idle, which Reactor Netty's idle timeout bounds, however soon the answer went out; pauses
 * within a body are its read timeout's. Reactor Netty's own timeouts start once the headers are in, and
 * its idle timeout restarts at every byte, so a client that sends nothing, half a request line, or a byte
 * now and then would otherwise hold a connection for ever.
 *
 * <p>It sits just after the HTTP codec, so it sees a request once its headers are whole, and it hears
 * every read of the socket as a read-complete event even when the codec made nothing of the bytes yet.
 * One per connection; all of it runs on the connection's event loop.
 */
final class HeaderDeadline extends ChannelDuplexHandler {

    static final String NAME = "jobwatch.headerDeadline";

    private final long timeoutMillis;
    private ScheduledFuture<?> deadline;
    /** Between a request's headers and the end of its response: the connection is in use. */
    private boolean serving;
    /** Between a request's headers and the end of its body, which may come after its answer (a 401 at once). */
    private boolean inRequest;
    /**
     * The read now ending gave the codec a whole request or part of its body, so its bytes were that
     * request's, not a next one's: an answer written before the read ended leaves the connection idle. Bytes
     * of a next request in the same read start its deadline at the next read.
     */
    private boolean decodedInThisRead;

    HeaderDeadline(long timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        arm(ctx);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            disarm();
            serving = true;
            inRequest = true;
        }
        if (msg instanceof HttpObject) {
            decodedInThisRead = true;
        }
        if (msg instanceof LastHttpContent) {
            inRequest = false;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!serving && !inRequest && !decodedInThisRead && deadline == null) {
            arm(ctx);
        }
        decodedInThisRead = false;
        ctx.fireChannelReadComplete();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        // A 100 Continue ends no request: its body is still to come.
        boolean interim =
                msg instanceof HttpResponse response && response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
        if (msg instanceof LastHttpContent && !interim) {
            serving = false;
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        disarm();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        disarm();
    }

    private void arm(ChannelHandlerContext ctx) {
        deadline = ctx.executor()
                .schedule(
                        () -> {
                            deadline = null;
                            if (!serving) {
                                ctx.close();
                            }
                        },
                        timeoutMillis,
                        TimeUnit.MILLISECONDS);
    }

    private void disarm() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }
}
