package dev.jobwatch.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;

/**
 * A Redis connection that may not exist yet: a pod starts while Redis is away, and connects on first
 * use once Redis answers. Until then each use fails at once (a 503, an {@code error} event, readiness
 * down); one attempt runs at a time and a failed one is tried again only after {@code retryAfter}, so
 * a flood of requests against a missing Redis is not a flood of connects. Once made, the connection
 * reconnects by itself (Lettuce) and is kept.
 */
final class LazyConnection<C> {

    private final Supplier<CompletionStage<C>> connect;
    private final long retryAfterNanos;
    private final List<Consumer<C>> onConnect = new ArrayList<>();
    private volatile C connection;
    /** Set, under the lock, once connected: actions registered after it run at once. */
    private C arrived;
    /** The attempt under way or the last failed one, and when it failed (0 while under way). */
    private CompletableFuture<C> attempt;

    private long failedAt;

    LazyConnection(Supplier<CompletionStage<C>> connect, Duration retryAfter) {
        this.connect = connect;
        this.retryAfterNanos = retryAfter.toNanos();
    }

    /** One already made, at start-up, while Redis answered. */
    static <C> LazyConnection<C> made(C connection) {
        LazyConnection<C> lazy =
                new LazyConnection<>(() -> CompletableFuture.completedFuture(connection), Duration.ZERO);
        lazy.connection = connection;
        lazy.arrived = connection;
        return lazy;
    }

    /** The connection, made now if need be; may be kept and subscribed again. */
    Mono<C> get() {
        return Mono.defer(() -> {
            C made = connection;
            return made != null ? Mono.just(made) : Mono.fromFuture(attempt(), true);
        });
    }

    /** The connection if it is made, else null. */
    C now() {
        return connection;
    }

    /** Runs {@code action} on the connection before anyone else uses it (at once if it is already made). */
    void whenConnected(Consumer<C> action) {
        C made;
        synchronized (this) {
            made = arrived;
            if (made == null) {
                onConnect.add(action);
            }
        }
        if (made != null) {
            action.accept(made);
        }
    }

    private synchronized CompletableFuture<C> attempt() {
        if (connection != null) {
            return CompletableFuture.completedFuture(connection);
        }
        boolean stale = attempt == null
                || (attempt.isCompletedExceptionally() && System.nanoTime() - failedAt >= retryAfterNanos);
        if (stale) {
            CompletableFuture<C> next = new CompletableFuture<>();
            attempt = next;
            failedAt = 0;
            CompletionStage<C> connecting;
            try {
                connecting = connect.get();
            } catch (RuntimeException e) {
                connecting = CompletableFuture.failedFuture(e);
            }
            connecting.whenComplete((made, error) -> {
                if (error != null) {
                    synchronized (this) {
                        failedAt = System.nanoTime();
                    }
                    next.completeExceptionally(error);
                } else {
                    connected(made);
                    next.complete(made);
                }
            });
        }
        return attempt;
    }

    private void connected(C made) {
        List<Consumer<C>> actions;
        synchronized (this) {
            actions = List.copyOf(onConnect);
            onConnect.clear();
            arrived = made;
        }
        actions.forEach(action -> action.accept(made));
        connection = made;
    }
}
