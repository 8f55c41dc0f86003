package dev.jobwatch.watch;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A pod's way out: on shutdown (SIGTERM) readiness turns false at once, every open stream gets
 * {@code timeout} so its client reconnects to another pod straight away, and shutdown goes on once the
 * streams have closed or the drain timeout has passed. It stops before the web server's graceful
 * shutdown, which would otherwise wait on open SSE streams until its own deadline; that shutdown then
 * only has writes in flight to finish.
 */
public final class DrainOnShutdown implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(DrainOnShutdown.class);

    /** Above the web server's graceful-shutdown phase ({@code DEFAULT_PHASE - 1024}), so this stops first. */
    private static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 512;

    private final WatchService watch;
    private final Duration timeout;
    private final ApplicationEventPublisher events;
    private volatile boolean running;

    DrainOnShutdown(WatchService watch, Duration timeout, ApplicationEventPublisher events) {
        this.watch = watch;
        this.timeout = timeout;
        this.events = events;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        throw new UnsupportedOperationException("stopped through stop(Runnable)");
    }

    @Override
    public void stop(Runnable done) {
        running = false;
        AvailabilityChangeEvent.publish(events, this, ReadinessState.REFUSING_TRAFFIC);
        int open = watch.openStreams();
        log.info("Draining: readiness is down, telling {} open streams to reconnect elsewhere", open);
        watch.drain();
        Flux.interval(Duration.ofMillis(20))
                .filter(tick -> watch.openStreams() == 0)
                .next()
                .timeout(
                        timeout,
                        Mono.fromRunnable(() -> log.warn(
                                "Drain timeout: {} streams still open after {}", watch.openStreams(), timeout)))
                .doFinally(signal -> done.run())
                .subscribe();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
