package dev.jobwatch.web;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.StringJoiner;

/**
 * A watcher's {@code token} query argument (browsers' {@code EventSource} cannot set headers), taken out
 * of the request's target as soon as Netty has decoded it, before Reactor Netty, Spring or any log sees
 * the URL, and handed on in a header of its own. The query is cut as text and nothing else in it is
 * decoded, so a query that is malformed elsewhere ({@code log_offset=%ZZ&token=...}) loses its token all
 * the same: Spring's DEBUG report of a URL it cannot parse, and Reactor Netty's access log, see the URL
 * without it.
 */
@ChannelHandler.Sharable
final class QueryToken extends ChannelInboundHandlerAdapter {

    /** The header the handlers read the query's token from; a client that sends it gains nothing a Bearer token would not. */
    static final String HEADER = "X-Jobwatch-Query-Token";

    /** Its name in the connection's pipeline. */
    static final String NAME = "jobwatch.queryToken";

    private static final String ARGUMENT = "token";

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            strip(request);
        }
        ctx.fireChannelRead(msg);
    }

    static void strip(HttpRequest request) {
        String uri = request.uri();
        int query = uri.indexOf('?');
        if (query < 0 || !uri.contains(ARGUMENT)) {
            return;
        }
        String token = null;
        boolean found = false;
        StringJoiner kept = new StringJoiner("&");
        for (String part : uri.substring(query + 1).split("&", -1)) {
            if (part.equals(ARGUMENT) || part.startsWith(ARGUMENT + "=")) {
                if (!found) {
                    token = part.substring(Math.min(part.length(), ARGUMENT.length() + 1));
                }
                found = true;
            } else {
                kept.add(part);
            }
        }
        if (!found) {
            return;
        }
        request.setUri(kept.length() == 0 ? uri.substring(0, query) : uri.substring(0, query + 1) + kept);
        if (request.decoderResult().isSuccess()) {
            request.headers().set(HEADER, decoded(token));
        }
    }

    /**
     * The token as a query argument means it, or as sent when it does not decode to text a header can
     * carry: no token jobwatch issues needs decoding, so such a value opens nothing either way.
     */
    private static String decoded(String raw) {
        try {
            String decoded = URLDecoder.decode(raw, StandardCharsets.UTF_8);
            return decoded.chars().allMatch(c -> c > 0x20 && c < 0x7f) ? decoded : raw;
        } catch (IllegalArgumentException e) {
            return raw;
        }
    }
}
