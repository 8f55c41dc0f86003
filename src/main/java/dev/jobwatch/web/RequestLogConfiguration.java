package dev.jobwatch.web;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import java.time.Duration;
import java.util.function.Function;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.netty.NettyPipeline;
import reactor.netty.http.logging.ReactorNettyHttpMessageLogFactory;

/**
 * What a request may leave in the server's log: never a token from its URL, never a raw control
 * character, and, for what a client got wrong or a fault every request meets, one entry a minute for
 * each kind rather than one per request.
 */
@Configuration(proxyBeanMethods = false)
class RequestLogConfiguration {

    /** One for the pod, shared by every place that logs a request's fault, so that each kind is counted once. */
    @Bean
    FaultLog faultLog() {
        return new FaultLog(Duration.ofMinutes(1), System::nanoTime);
    }

    /**
     * Each HTTP/1 connection's requests pass {@link MalformedRequests} and then {@link QueryToken} right
     * after Netty decodes them, before Reactor Netty makes a request of them, so that nothing after
     * (Reactor Netty, its access log, Spring) sees a control character in a target it serves or a query's
     * token. Reactor Netty's own logs of a message, should an operator turn them on, are escaped too.
     */
    @Bean
    WebServerFactoryCustomizer<NettyReactiveWebServerFactory> requestsLoggedSafely(FaultLog faults) {
        return new RequestsLoggedSafely(new MalformedRequests(faults), new QueryToken());
    }

    private record RequestsLoggedSafely(MalformedRequests malformed, QueryToken queryToken)
            implements WebServerFactoryCustomizer<NettyReactiveWebServerFactory> {

        @Override
        public void customize(NettyReactiveWebServerFactory factory) {
            factory.addServerCustomizers(server -> server.httpMessageLogFactory(new EscapedMessages())
                    .doOnChannelInit((observer, channel, remote) -> {
                        ChannelPipeline pipeline = channel.pipeline();
                        if (pipeline.get(NettyPipeline.HttpCodec) != null) {
                            pipeline.addAfter(NettyPipeline.HttpCodec, MalformedRequests.NAME, malformed)
                                    .addAfter(MalformedRequests.NAME, QueryToken.NAME, queryToken);
                        }
                    }));
        }
    }

    /** Reactor Netty's form of a message (its query and header values already left out) with control characters escaped. */
    private static final class EscapedMessages extends ReactorNettyHttpMessageLogFactory {

        @Override
        protected Function<String, String> uriValueFunction() {
            return super.uriValueFunction().andThen(FaultLog::printable);
        }

        @Override
        protected Function<DecoderResult, String> decoderResultFunction() {
            return super.decoderResultFunction().andThen(FaultLog::printable);
        }
    }
}
