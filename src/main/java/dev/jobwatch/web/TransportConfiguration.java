package dev.jobwatch.web;

import dev.jobwatch.config.RedisProperties;
import dev.jobwatch.config.TransportProperties;
import dev.jobwatch.config.TransportProperties.Transport;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.http.client.ReactorResourceFactory;
import reactor.netty.resources.LoopResources;

/**
 * The HTTP server's event loops on the transport chosen by {@link TransportProperties}, and in local mode
 * its address. A native transport that is asked for but cannot load (another OS, a missing library) falls
 * back to NIO with a warning rather than stopping the pod.
 */
@Configuration(proxyBeanMethods = false)
class TransportConfiguration {

    private static final Logger log = LoggerFactory.getLogger(TransportConfiguration.class);

    @Bean(destroyMethod = "dispose")
    LoopResources serverLoops(TransportProperties settings) {
        int threads = settings.serverThreads();
        Transport chosen = chosen(settings.transport());
        log.info(
                "HTTP server on the {} transport with {} event loop threads (JOBWATCH_TRANSPORT={})",
                chosen.name().toLowerCase(Locale.ROOT),
                threads,
                settings.transport().name().toLowerCase(Locale.ROOT));
        return new ServerLoops(chosen, threads);
    }

    /** The server runs on the loops of this factory, which leaves their end to their own bean. */
    @Bean
    ReactorResourceFactory reactorResourceFactory(LoopResources serverLoops) {
        ReactorResourceFactory factory = new ReactorResourceFactory();
        factory.setUseGlobalResources(false);
        factory.setLoopResources(serverLoops);
        return factory;
    }

    /**
     * Local mode (no {@code JOBWATCH_REDIS_URL}: the embedded Redis, and producer and watcher routes open
     * unless set otherwise) listens on loopback only unless {@code SERVER_ADDRESS} says where: a deployment
     * that forgot its Redis URL is then open to no one rather than to its whole network.
     */
    @Bean
    WebServerFactoryCustomizer<NettyReactiveWebServerFactory> localModeOnLoopback(RedisProperties redis) {
        return new LocalModeOnLoopback(redis.embedded());
    }

    private static Transport chosen(Transport asked) {
        return switch (asked) {
            case AUTO -> Epoll.isAvailable() ? Transport.EPOLL : Transport.NIO;
            case EPOLL -> available(asked, Epoll.isAvailable(), Epoll.unavailabilityCause());
            case IO_URING -> available(asked, IoUring.isAvailable(), IoUring.unavailabilityCause());
            case NIO -> Transport.NIO;
        };
    }

    private static Transport available(Transport asked, boolean available, Throwable cause) {
        if (available) {
            return asked;
        }
        log.warn(
                "JOBWATCH_TRANSPORT={} is not available here ({}); the HTTP server uses NIO",
                asked.name().toLowerCase(Locale.ROOT),
                String.valueOf(cause));
        return Transport.NIO;
    }

    /** Ordered after Spring Boot's own customizer, which applies {@code server.address} when it is set. */
    private record LocalModeOnLoopback(boolean localMode)
            implements WebServerFactoryCustomizer<NettyReactiveWebServerFactory>, Ordered {

        @Override
        public void customize(NettyReactiveWebServerFactory factory) {
            if (!localMode) {
                return;
            }
            if (factory.getAddress() != null) {
                log.info(
                        "Local mode: the HTTP server listens on {} (SERVER_ADDRESS)",
                        factory.getAddress().getHostAddress());
                return;
            }
            factory.setAddress(loopback());
            log.info("Local mode (JOBWATCH_REDIS_URL is not set): the HTTP server listens on 127.0.0.1 only; "
                    + "set SERVER_ADDRESS (0.0.0.0 for every interface) to be reached from other machines");
        }

        @Override
        public int getOrder() {
            return Ordered.LOWEST_PRECEDENCE;
        }

        private static InetAddress loopback() {
            try {
                return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
            } catch (UnknownHostException e) {
                throw new IllegalStateException("an address of four bytes is always valid", e);
            }
        }
    }
}
