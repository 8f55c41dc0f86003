package dev.jobwatch.web;

import dev.jobwatch.job.InvalidInputException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import reactor.netty.channel.ChannelOperations;

/**
 * Makes a request body that the HTTP codec could not decode (a chunk size that overflows, is negative or
 * is not hex, chunk data longer than its size, a malformed trailer) fail as that request's body, so that
 * the route reading it refuses it (400) before it writes anything.
 *
 * <p>Netty marks such a body with a failed decoder result on its last content. Left alone, Reactor Netty
 * answers 400 by itself and the body's reader sees the body end as if it were whole: a route wrote what
 * came before the fault, then Spring, finding the response gone, logged an error. Here the failed content
 * goes no further and the body fails instead; reading a failed body also marks the connection to close
 * after the answer, since its framing is lost. When no route is reading any more (it answered without
 * the body), there is nobody to tell and the connection is closed.
 *
 * <p>It sits just after the HTTP codec; all of it runs on the connection's event loop.
 */
final class BodyDecodingFailures extends ChannelInboundHandlerAdapter {

    static final String NAME = "jobwatch.bodyDecodingFailures";
    static final String MALFORMED = "Body is not valid HTTP: its chunked encoding is malformed";

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // A request whose line or headers failed to decode is Reactor Netty's to answer (400, 414, 431).
        if (msg instanceof HttpContent content
                && !(msg instanceof HttpRequest)
                && content.decoderResult().isFailure()) {
            content.release();
            ChannelOperations<?, ?> request = ChannelOperations.get(ctx.channel());
            if (request != null && !request.isInboundCancelled() && !request.isInboundDisposed()) {
                ctx.fireExceptionCaught(new InvalidInputException(MALFORMED));
            } else {
                ctx.close();
            }
            return;
        }
        ctx.fireChannelRead(msg);
    }
}
