package dev.jobwatch.watch;

import dev.jobwatch.store.StoreUnavailableException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;
import reactor.util.context.Context;

/**
 * One watcher's stream, as one small state machine rather than a chain of operators: at 10,000
 * watchers of a job, every object and every hop per update and per stream counts (see
 * {@code load-tests/results}).
 *
 * <p>An update is made only when the client has asked for one, from the watcher's cursor against the
 * hub's current state, so nothing queues for a client that does not read and nothing is lost or
 * repeated. A change wakes the stream; an update goes out at once unless the stream is resting after
 * the previous one, in which case it goes out when the rest ends (leading and trailing edge of the
 * cadence). A watcher still behind after an update (catching up on a long log) goes on after the rest
 * without waiting for a change. The server asks for many events ahead (Reactor Netty's send prefetch),
 * so demand alone would let a client that stopped reading pile up updates, each up to a page, in the
 * pod's buffers: an update is therefore made only while the connection is writable (below its
 * high-water mark), checked again after 5 ms, then less often up to once per cadence, so a stalled
 * watcher holds at most one update beyond the mark and catches up from its cursor once it reads
 * again. Pings go out only when the client is reading. The lifetime's
 * {@code timeout}, the pod's drain, and the update that says the job completed end the stream; every
 * timer and subscription is released when the stream ends or the client leaves.
 */
final class WatchStream extends Flux<WatchEvent> {

    /** Told what a stream sends and when it ends, for the pod's metrics and the hub's hold. */
    interface Listener {
        Listener NONE = new Listener() {
        };

        default void sent(WatchEvent event) {
        }

        default void ended() {
        }
    }

    private final Flux<?> changes;
    private final Supplier<HubState> current;
    private final Watcher watcher;
    private final BooleanSupplier writable;
    private final Settings settings;
    private final Mono<WatchEvent> drained;
    private final Listener listener;

    /** The stream's timings and the clock they run on. */
    record Settings(Duration cadence, Duration ping, Duration lifetime, Duration retry, Scheduler scheduler) {
    }

    /** @param writable whether the client's connection takes more now */
    WatchStream(Flux<?> changes, Supplier<HubState> current, Watcher watcher, BooleanSupplier writable,
            Settings settings, Mono<WatchEvent> drained, Listener listener) {
        this.changes = changes;
        this.current = current;
        this.watcher = watcher;
        this.writable = writable;
        this.settings = settings;
        this.drained = drained;
        this.listener = listener;
    }

    @Override
    public void subscribe(CoreSubscriber<? super WatchEvent> actual) {
        new Delivery(actual).start();
    }

    private final class Delivery implements Subscription, CoreSubscriber<Object> {

        private static final AtomicIntegerFieldUpdater<Delivery> WIP =
                AtomicIntegerFieldUpdater.newUpdater(Delivery.class, "wip");
        private static final AtomicLongFieldUpdater<Delivery> REQUESTED =
                AtomicLongFieldUpdater.newUpdater(Delivery.class, "requested");

        private final CoreSubscriber<? super WatchEvent> actual;
        private volatile int wip;
        private volatile long requested;
        private volatile boolean cancelled;
        private volatile Throwable failure;
        /** True at first: a stream whose changes do not replay the hub's state reads it at once. */
        private volatile boolean changed = true;
        private volatile boolean pingDue;
        private volatile boolean resting;
        private volatile WatchEvent ending;

        /** The outcome of the update being made, which may need a read of Redis. */
        private volatile boolean making;
        private volatile WatchEvent made;
        private volatile Duration pauseAfterMaking;

        /** Touched only inside the loop, which also holds the setup. */
        private Subscription changesSubscription;
        private Disposable pings;
        private Disposable lifetime;
        private Disposable rest;
        /** When a rest without a timer ends, on the stream's clock. */
        private long restEnds;
        private Disposable drain;
        private Disposable read;
        private boolean finished;
        private int checksWhileFull;

        Delivery(CoreSubscriber<? super WatchEvent> actual) {
            this.actual = actual;
        }

        /** Sets up inside the loop, so that no signal that comes meanwhile can release half of it. */
        void start() {
            WIP.lazySet(this, 1);
            actual.onSubscribe(this);
            Scheduler clock = settings.scheduler();
            long ping = settings.ping().toNanos();
            pings = clock.schedulePeriodically(() -> {
                // A client that does not read misses pings rather than piling them up.
                if (requested > 0) {
                    pingDue = true;
                    drain();
                }
            }, ping, ping, TimeUnit.NANOSECONDS);
            lifetime = clock.schedule(() -> end(WatchEvent.TIMEOUT), settings.lifetime().toNanos(), TimeUnit.NANOSECONDS);
            drain = drained.subscribe(this::end);
            changes.subscribe(this);
            loop(1);
        }

        // ---- the hub's changes: each one only wakes the stream

        @Override
        public void onSubscribe(Subscription subscription) {
            changesSubscription = subscription;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(Object change) {
            changed = true;
            drain();
        }

        @Override
        public void onError(Throwable error) {
            failure = error;
            drain();
        }

        @Override
        public void onComplete() {
        }

        @Override
        public Context currentContext() {
            return actual.currentContext();
        }

        // ---- the client

        @Override
        public void request(long n) {
            if (Operators.validate(n)) {
                Operators.addCap(REQUESTED, this, n);
                drain();
            }
        }

        @Override
        public void cancel() {
            cancelled = true;
            drain();
        }

        // ---- the loop: one thread at a time; a signal that comes while it runs makes it run again

        private void end(WatchEvent event) {
            ending = event;
            drain();
        }

        private void drain() {
            if (WIP.getAndIncrement(this) == 0) {
                loop(1);
            }
        }

        private void loop(int missed) {
            do {
                if (!finished) {
                    step();
                }
                missed = WIP.addAndGet(this, -missed);
            } while (missed != 0);
        }

        private void step() {
            while (true) {
                if (cancelled) {
                    release();
                    return;
                }
                Throwable error = failure;
                if (error != null) {
                    release();
                    actual.onError(error);
                    return;
                }
                // Read first: what a finished make left (its update or its pause) is written before it says so.
                boolean idle = !making;
                Duration pause = idle ? pauseAfterMaking : null;
                if (pause != null) {
                    pauseAfterMaking = null;
                    restThenGoOn(pause);
                }
                if (requested == 0) {
                    return;
                }
                WatchEvent update = made;
                if (update != null) {
                    made = null;
                    send(update);
                    if (update.last()) {
                        complete();
                        return;
                    }
                    restAfterUpdate();
                    continue;
                }
                WatchEvent last = ending;
                if (last != null) {
                    send(last);
                    complete();
                    return;
                }
                if (resting && rest == null && changed) {
                    wakeWhenRestEnds();
                }
                if (idle && changed && !resting && current.get() != null) {
                    if (!writable.getAsBoolean()) {
                        restThenGoOn(untilWritable());
                        continue;
                    }
                    checksWhileFull = 0;
                    // Cleared before the state is read: a change published after this read wakes the loop again.
                    changed = false;
                    make(current.get());
                    continue;
                }
                if (pingDue) {
                    pingDue = false;
                    send(WatchEvent.PING);
                    continue;
                }
                return;
            }
        }

        /** Usually at once from the hub's windows; a watcher behind them waits for a read of its own. */
        private void make(HubState state) {
            making = true;
            WatchEvent[] value = new WatchEvent[1];
            read = watcher.next(state).subscribe(
                    event -> value[0] = event,
                    error -> {
                        if (error instanceof StoreUnavailableException) {
                            pauseAfterMaking = settings.retry();
                        } else {
                            failure = error;
                        }
                        making = false;
                        drain();
                    },
                    () -> {
                        if (value[0] != null) {
                            made = value[0];
                        } else if (watcher.behind(state)) {
                            pauseAfterMaking = settings.cadence();
                        }
                        making = false;
                        drain();
                    });
        }

        /** 5 ms, then twice as long each time, up to the cadence. */
        private Duration untilWritable() {
            long millis = Math.min(settings.cadence().toMillis(), 5L << Math.min(checksWhileFull++, 10));
            return Duration.ofMillis(millis);
        }

        /**
         * The cadence's rest after an update. Most rests end with nothing new to send, so a rest is a
         * deadline, and a timer is armed only when a change comes before it (or the watcher is still
         * behind): one timer per update that waited rather than one per update.
         */
        private void restAfterUpdate() {
            HubState state = current.get();
            if (state != null && watcher.behind(state)) {
                restThenGoOn(settings.cadence());
                return;
            }
            resting = true;
            rest = null;
            restEnds = settings.scheduler().now(TimeUnit.NANOSECONDS) + settings.cadence().toNanos();
        }

        /** A change came while resting without a timer: past the deadline it goes out now, else when it ends. */
        private void wakeWhenRestEnds() {
            long left = restEnds - settings.scheduler().now(TimeUnit.NANOSECONDS);
            if (left <= 0) {
                resting = false;
                return;
            }
            rest = settings.scheduler().schedule(() -> {
                resting = false;
                drain();
            }, left, TimeUnit.NANOSECONDS);
        }

        /** A watcher still behind goes on after the pause without waiting for a change. */
        private void restThenGoOn(Duration pause) {
            HubState state = current.get();
            if (state != null && watcher.behind(state)) {
                changed = true;
            }
            resting = true;
            rest = settings.scheduler().schedule(() -> {
                resting = false;
                drain();
            }, pause.toNanos(), TimeUnit.NANOSECONDS);
        }

        private void send(WatchEvent event) {
            if (requested != Long.MAX_VALUE) {
                REQUESTED.decrementAndGet(this);
            }
            listener.sent(event);
            actual.onNext(event);
        }

        private void complete() {
            release();
            actual.onComplete();
        }

        private void release() {
            finished = true;
            if (changesSubscription != null) {
                changesSubscription.cancel();
            }
            dispose(pings);
            dispose(lifetime);
            dispose(rest);
            dispose(drain);
            dispose(read);
            listener.ended();
        }

        private static void dispose(Disposable disposable) {
            if (disposable != null) {
                disposable.dispose();
            }
        }
    }
}
