package dev.jobwatch.watch;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * The states one hub publishes, and how its watchers hear them: the latest held for whoever asks, and
 * one relay per event loop shared by the watchers whose connections that loop serves.
 */
final class HubStates {

    private final Sinks.Many<HubState> sink = Sinks.many().replay().latest();
    private final Map<Scheduler, Flux<HubState>> relays = new ConcurrentHashMap<>();
    private volatile HubState current;

    /** The latest state, or null before the first read is done. */
    HubState current() {
        return current;
    }

    /** Called by one reader at a time, so states are published in order from one thread at a time. */
    void publish(HubState state) {
        current = state;
        sink.tryEmitNext(state);
    }

    /** The latest state at once (once the first read is done), then each new one, heard on the publishing thread. */
    Flux<HubState> latest() {
        return sink.asFlux();
    }

    /**
     * Each new state, heard on {@code loop}: the watchers whose connections one event loop serves hear a
     * change through one hop to that loop rather than one hop each, and then write to their connections
     * from the thread that owns them. Only the latest state matters, so a loop that falls behind skips to
     * it. Unlike {@link #latest()} it does not replay the latest state to a watcher that comes later,
     * which reads {@link #current()} itself: a replaying multicast settles its subscribers' demand one by
     * one against all of them, which at thousands of watchers a loop cost more than everything else a
     * change does.
     */
    Flux<HubState> relayOn(Scheduler loop) {
        return relays.computeIfAbsent(loop, key -> relay(sink.asFlux(), key));
    }

    /** One loop's share of a hub's states: subscribed while any of its watchers is, let go with the last. */
    static Flux<HubState> relay(Flux<HubState> states, Scheduler loop) {
        return states.onBackpressureLatest().publishOn(loop, 1).publish().refCount();
    }
}
