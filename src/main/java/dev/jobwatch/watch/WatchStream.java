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
 * repeated. A change wakes the stream, and {@link Pacing} says when the update goes out: at once, or
 * when the rest after the previous one ends, or once the connection takes more. The server asks for
 * many events ahead (Reactor Netty's send prefetch), so demand alone would let a client that stopped
 * reading pile up updates, each up to a page, in the pod's buffers: an update is therefore made only
 * while the connection is writable (below its high-water mark), so a stalled watcher holds at most one
 * update beyond the mark and catches up from its cursor once it reads again. Pings go out only when
 * the client is reading. The lifetime's {@code timeout}, the pod's drain, and the update that says the
 * job completed end the stream; every timer and subscription is released when the stream ends or the
 * client leaves.
 */
final class WatchStream extends Flux<WatchEvent> {

    /** Told what a stream sends and when it ends, for the pod's metrics and the hub's hold. */
    interface Listener {
        default void sent(WatchEvent event) {}

        default void ended() {}
    }

    private final Flux<?> changes;
    private final Supplier<HubState> current;
    private final Watcher watcher;
    private final BooleanSupplier writable;
    private final Settings settings;
    private final Mono<WatchEvent> drained;
    private final Listener listener;

    /** The stream's timings and the clock they run on. */
    record Settings(Duration cadence, Duration ping, Duration lifetime, Duration retry, Scheduler scheduler) {}

    /** @param writable whether the client's connection takes more now */
    WatchStream(
            Flux<?> changes,
            Supplier<HubState> current,
            Watcher watcher,
            BooleanSupplier writable,
            Settings settings,
            Mono<WatchEvent> drained,
            Listener listener) {
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
        /** A change came since the loop last looked (the pacing starts as if one had). */
        private volatile boolean changed;
        /** The wake-up the pacing asked for came. */
        private volatile boolean woken;

        private volatile boolean pingDue;
        private volatile WatchEvent ending;

        /** The outcome of the update being made, which may need a read of Redis. */
        private volatile boolean making;

        private volatile WatchEvent made;
        private volatile Duration pauseAfterMaking;

        /** Touched only inside the loop, which also holds the setup. */
        private final Pacing pacing = new Pacing(settings.cadence().toNanos());

        private Subscription changesSubscription;
        private Disposable pings;
        private Disposable lifetime;
        private Disposable wake;
        private Disposable drain;
        private Disposable read;
        private boolean finished;

        Delivery(CoreSubscriber<? super WatchEvent> actual) {
            this.actual = actual;
        }

        /** Sets up inside the loop, so that no signal that comes meanwhile can release half of it. */
        void start() {
            WIP.lazySet(this, 1);
            actual.onSubscribe(this);
            Scheduler clock = settings.scheduler();
            long ping = settings.ping().toNanos();
            pings = clock.schedulePeriodically(
                    () -> {
                        // A client that does not read misses pings rather than piling them up.
                        if (requested > 0) {
                            pingDue = true;
                            drain();
                        }
                    },
                    ping,
                    ping,
                    TimeUnit.NANOSECONDS);
            lifetime = clock.schedule(
                    () -> end(WatchEvent.TIMEOUT), settings.lifetime().toNanos(), TimeUnit.NANOSECONDS);
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
        public void onComplete() {}

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
                    try {
                        step();
                    } catch (RuntimeException unexpected) {
                        // An update that cannot be made (a job the writer cannot render, a bug) ends this
                        // stream alone: thrown on, it would leave the loop held, so that neither the client's
                        // leaving nor anything else could release the stream, and would reach the hub's thread.
                        release();
                        actual.onError(unexpected);
                    }
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
                if (woken) {
                    woken = false;
                    pacing.woke();
                }
                // Cleared before the state is read: a change published after this read wakes the loop again.
                if (changed) {
                    changed = false;
                    pacing.changed();
                }
                // Read first: what a finished make left (its update or its pause) is written before it says so.
                boolean idle = !making;
                Duration pause = idle ? pauseAfterMaking : null;
                if (pause != null) {
                    pauseAfterMaking = null;
                    pacing.paused(now(), pause.toNanos(), behind());
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
                    pacing.sent(now(), behind());
                    continue;
                }
                WatchEvent last = ending;
                if (last != null) {
                    send(last);
                    complete();
                    return;
                }
                if (idle && pacing.pending() && current.get() != null) {
                    long now = now();
                    Pacing.Decision decision = pacing.next(now, writable.getAsBoolean());
                    if (decision == Pacing.Decision.SEND) {
                        make(current.get());
                        continue;
                    }
                    if (decision == Pacing.Decision.WAIT) {
                        wakeAfter(pacing.wakeAt() - now);
                    }
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
            read = watcher.next(state)
                    .subscribe(
                            event -> value[0] = event,
                            error -> {
                                // A catch-up read of the watcher's own that Redis missed is tried again; a hub that
                                // could not read its job ends the stream with its failure.
                                if (error instanceof StoreUnavailableException && state.ready()) {
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

        /** Whether the watcher is still behind its hub, and so goes on after a rest without a change. */
        private boolean behind() {
            HubState state = current.get();
            return state != null && watcher.behind(state);
        }

        private long now() {
            return settings.scheduler().now(TimeUnit.NANOSECONDS);
        }

        private void wakeAfter(long nanos) {
            wake = settings.scheduler()
                    .schedule(
                            () -> {
                                woken = true;
                                drain();
                            },
                            nanos,
                            TimeUnit.NANOSECONDS);
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
            dispose(wake);
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
