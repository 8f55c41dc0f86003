package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The header deadline in virtual time: it bounds a request's line and headers, and never the idle wait
 * after an answer, however soon the answer went out.
 */
class HeaderDeadlineTest {

    private static final long TIMEOUT_MS = 10_000;

    @Test
    void aConnectionThatBringsNoRequestIsClosedAtTheDeadline() {
        EmbeddedChannel channel = channel(false);
        channel.advanceTimeBy(TIMEOUT_MS - 1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isTrue();
        channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).as("no request within the header timeout").isFalse();
    }

    @Test
    void anAnswerWrittenWhileItsRequestIsStillBeingReadLeavesTheIdleWaitUnbounded() {
        EmbeddedChannel channel = channel(true);
        request(channel);
        assertThat((Object) channel.readOutbound()).as("the answer").isNotNull();
        channel.advanceTimeBy(TIMEOUT_MS * 6, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen())
                .as("idle after an answer: the idle timeout's to bound, not the header deadline's")
                .isTrue();
    }

    @Test
    void anAnswerWrittenLaterLeavesTheIdleWaitUnboundedToo() {
        EmbeddedChannel channel = channel(false);
        request(channel);
        channel.writeAndFlush(answer());
        channel.advanceTimeBy(TIMEOUT_MS * 6, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void aBodyThatComesAfterItsAnswerLeavesTheIdleWaitUnbounded() {
        EmbeddedChannel channel = channel(false);
        channel.pipeline().fireChannelRead(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/"));
        channel.pipeline().fireChannelReadComplete();
        // Refused before its body is read (a 401), as a route may.
        channel.writeAndFlush(answer());
        channel.pipeline().fireChannelRead(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[] {'a'})));
        channel.pipeline().fireChannelReadComplete();
        // Bytes of a chunk's size line, which the codec holds until the line is whole.
        channel.pipeline().fireChannelReadComplete();
        channel.pipeline().fireChannelRead(LastHttpContent.EMPTY_LAST_CONTENT);
        channel.pipeline().fireChannelReadComplete();
        channel.advanceTimeBy(TIMEOUT_MS * 6, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen())
                .as("a body's bytes are no next request's first bytes")
                .isTrue();
    }

    @Test
    void theNextRequestsFirstBytesStartTheDeadlineAgain() {
        EmbeddedChannel channel = channel(true);
        request(channel);
        channel.advanceTimeBy(TIMEOUT_MS * 3, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        // Bytes the codec holds as half a request line: read, but nothing decoded yet.
        channel.pipeline().fireChannelReadComplete();
        channel.advanceTimeBy(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen())
                .as("a later request's headers within the header timeout of its first byte")
                .isFalse();
    }

    /** A channel with the deadline, and a route that answers as soon as it reads a request if {@code atOnce}. */
    private static EmbeddedChannel channel(boolean atOnce) {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline().addLast(new HeaderDeadline(TIMEOUT_MS));
        channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (atOnce && msg instanceof LastHttpContent) {
                    ctx.writeAndFlush(answer());
                }
            }
        });
        channel.pipeline().fireChannelActive();
        return channel;
    }

    /** One read of the socket that held a whole request without a body. */
    private static void request(EmbeddedChannel channel) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        channel.pipeline().fireChannelRead(request);
        channel.pipeline().fireChannelRead(LastHttpContent.EMPTY_LAST_CONTENT);
        channel.pipeline().fireChannelReadComplete();
    }

    private static DefaultFullHttpResponse answer() {
        return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.EMPTY_BUFFER);
    }
}
