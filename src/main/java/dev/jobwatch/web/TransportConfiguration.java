package dev.jobwatch.web;

import dev.jobwatch.config.TransportProperties;
import dev.jobwatch.config.TransportProperties.Transport;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;
import reactor.netty.resources.LoopResources;

/**
 * The HTTP server's event loops on the transport chosen by {@link TransportProperties}. A native
 * transport that is asked for but cannot load (another OS, a missing library) falls back to NIO with
 * a warning rather than stopping the pod.
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
}
