package dev.jobwatch.web;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Requests that Netty could not decode, and request targets that hold a control character (RFC 9112's
 * request-target never does, and a terminal that shows the log would act on one): Reactor Netty answers
 * them 400 (414, 431) as before, and they are logged here through the {@link FaultLog}, once a minute
 * for each kind, with the target's path escaped and without its query. Reactor Netty's own WARN for each
 * such request is turned off in {@code application.properties}: a client could otherwise write a log
 * entry of several lines per request.
 */
@ChannelHandler.Sharable
final class MalformedRequests extends ChannelInboundHandlerAdapter {

    /** Its name in the connection's pipeline. */
    static final String NAME = "jobwatch.malformedRequests";

    /** The most of a target's path that is logged: enough to know it again, not a page of it. */
    private static final int LOGGED_PATH = 200;

    private final FaultLog faults;

    MalformedRequests(FaultLog faults) {
        this.faults = faults;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request && request.decoderResult().isSuccess() && holdsControl(request.uri())) {
            request.setDecoderResult(DecoderResult.failure(
                    new IllegalArgumentException("the request target holds a control character")));
        }
        if (msg instanceof DecoderResultProvider decoded
                && decoded.decoderResult().isFailure()) {
            String what = msg instanceof HttpRequest request
                    ? request.method() + " " + path(request.uri())
                    : "a request's body";
            faults.refused(
                    "Refused " + what + " from " + ctx.channel().remoteAddress() + ", which could not be decoded",
                    decoded.decoderResult().cause());
        }
        ctx.fireChannelRead(msg);
    }

    private static boolean holdsControl(String target) {
        for (int at = 0; at < target.length(); at++) {
            if (Character.isISOControl(target.charAt(at))) {
                return true;
            }
        }
        return false;
    }

    /** Without the query, which may hold a token, and cut short. */
    private static String path(String uri) {
        int query = uri.indexOf('?');
        String path = query < 0 ? uri : uri.substring(0, query);
        return path.length() <= LOGGED_PATH ? path : path.substring(0, LOGGED_PATH) + "...";
    }
}
