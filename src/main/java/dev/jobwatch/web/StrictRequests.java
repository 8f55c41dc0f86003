package dev.jobwatch.web;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

/**
 * Refuses, with 400 and a closed connection, the HTTP/1 requests that RFC 9112 tells a server to refuse
 * rather than guess at: a version other than HTTP/1.0 and HTTP/1.1 (§2.3), an HTTP/1.1 request without
 * {@code Host}, and any request with more than one {@code Host} or a {@code Host} that is not a host and
 * port (§3.2); and, so that its sender reads why, a path whose {@code %}-escape is cut short. A proxy in
 * front and this server reading such a request two ways (which host, which version's framing) is how a
 * request slips past the proxy's rules, so none of it reaches a route.
 *
 * <p>It sits just after the HTTP codec, before Reactor Netty's own handlers, so a refused request is
 * never seen by them or by Spring. A request the codec could not parse passes on untouched, for Reactor
 * Netty's own 400, 414 and 431. One per connection; all of it runs on the connection's event loop.
 */
final class StrictRequests extends ChannelInboundHandlerAdapter {

    static final String NAME = "jobwatch.strictRequests";

    /** What an IP literal in brackets may hold. */
    private static final AsciiSet IN_LITERAL = AsciiSet.lettersDigitsAnd(":._~!$&'()*+,;=-");
    /** What a reg-name may hold: letters, digits, marks and {@code %}. */
    private static final AsciiSet IN_REG_NAME = AsciiSet.lettersDigitsAnd("._~%!$&'()*+,;=-");

    /** After a refusal: what is left of that request (its body) is dropped while the answer goes out. */
    private boolean refused;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest request && request.decoderResult().isSuccess()) {
            String problem = problem(request);
            if (problem != null) {
                refused = true;
                ReferenceCountUtil.release(msg);
                refuse(ctx, problem);
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    /** What is wrong with the request, in words for its sender; null when nothing is. */
    private static String problem(HttpRequest request) {
        HttpVersion version = request.protocolVersion();
        if (!version.equals(HttpVersion.HTTP_1_1) && !version.equals(HttpVersion.HTTP_1_0)) {
            return "Only HTTP/1.1 and HTTP/1.0 are served";
        }
        List<String> hosts = request.headers().getAll(HttpHeaderNames.HOST);
        if (hosts.size() > 1) {
            return "A request may carry only one Host header";
        }
        if (hosts.isEmpty() && version.equals(HttpVersion.HTTP_1_1)) {
            return "An HTTP/1.1 request needs a Host header";
        }
        if (!hosts.isEmpty() && !isHostAndPort(hosts.get(0))) {
            return "The Host header is not a host and port";
        }
        return escapesWhole(request.uri()) ? null : "The request's path holds a malformed %-escape";
    }

    /**
     * Whether the value is RFC 3986's host (an IP literal in brackets, or the letters, digits and marks a
     * reg-name takes) and an optional port: {@code (\[[literal]+]|[reg-name]*)(:[0-9]*)?}, read by hand, since
     * a regular expression here was most of what this handler cost a request.
     */
    static boolean isHostAndPort(String value) {
        int length = value.length();
        int at = 0;
        if (length > 0 && value.charAt(0) == '[') {
            int close = value.indexOf(']');
            if (close < 2 || !IN_LITERAL.holdsAll(value, 1, close)) {
                return false;
            }
            at = close + 1;
        } else {
            while (at < length && IN_REG_NAME.holds(value.charAt(at))) {
                at++;
            }
        }
        if (at == length) {
            return true;
        }
        if (value.charAt(at) != ':') {
            return false;
        }
        for (int digit = at + 1; digit < length; digit++) {
            char c = value.charAt(digit);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether every {@code %} of the path is followed by two hex digits. One that is not makes the target no
     * URI, which Spring would refuse with an empty 400; a person who typed or cut short the address reads
     * why here. The query is left to the routes, which say which argument is wrong.
     */
    private static boolean escapesWhole(String target) {
        int query = target.indexOf('?');
        int end = query < 0 ? target.length() : query;
        for (int at = target.indexOf('%'); at >= 0 && at < end; at = target.indexOf('%', at + 1)) {
            if (at + 2 >= end
                    || !HexFormat.isHexDigit(target.charAt(at + 1))
                    || !HexFormat.isHexDigit(target.charAt(at + 2))) {
                return false;
            }
        }
        return true;
    }

    private static void refuse(ChannelHandlerContext ctx, String problem) {
        ByteBuf body = Unpooled.copiedBuffer(problem, StandardCharsets.UTF_8);
        FullHttpResponse response =
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST, body);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain;charset=UTF-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                .set("X-Content-Type-Options", "nosniff")
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}
