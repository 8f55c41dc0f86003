package dev.jobwatch.web;

import dev.jobwatch.job.JobJson;
import dev.jobwatch.job.JobRef;
import dev.jobwatch.store.JobReads;
import dev.jobwatch.watch.StreamSlot;
import dev.jobwatch.watch.WatchEvent;
import dev.jobwatch.watch.WatchOptions;
import dev.jobwatch.watch.WatchService;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.concurrent.EventExecutor;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.NettyOutbound;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Windmill's job-update routes. Arguments and the token are checked before the stream starts (400,
 * 401); once it has started, a failure becomes the stream's last event.
 */
final class WatchHandler {

    private final WatchService watch;
    private final JobReads store;
    private final WatcherAccess watchers;
    private final LogText logs;
    private final JsonMapper mapper;
    private final ErrorResponses errors;
    private final ClientStreams clients;
    /** A scheduler over each event loop, made once; never disposed, since that would shut the loop down. */
    private final Map<EventExecutor, Scheduler> loops = new ConcurrentHashMap<>();

    WatchHandler(
            WatchService watch,
            JobReads store,
            WatcherAccess watchers,
            JsonMapper mapper,
            ErrorResponses errors,
            ClientStreams clients) {
        this.watch = watch;
        this.store = store;
        this.watchers = watchers;
        this.logs = new LogText(store, mapper);
        this.mapper = mapper;
        this.errors = errors;
        this.clients = clients;
    }

    Mono<ServerResponse> stream(ServerRequest request) {
        return Mono.defer(() -> {
            WatcherAccess.Authorized watcher = watchers.authorized(request);
            JobRef ref = watcher.ref();
            WatchOptions options = options(request).resume(request.headers().firstHeader("Last-Event-ID"));
            Channel channel = channel(request);
            BooleanSupplier writable = channel == null ? () -> true : channel::isWritable;
            Scheduler loop = channel == null
                    ? null
                    : loops.computeIfAbsent(channel.eventLoop(), Schedulers::fromExecutorService);
            Admission admission = admit(request, channel);
            Flux<WatchEvent> events = watch.stream(
                            admission.slot(), ref, watcher.grant().incarnation(), options, writable, loop)
                    .onErrorResume(error -> Flux.just(WatchEvent.error(errors.streamError(error, request), mapper)))
                    .doFinally(signal -> admission.release().run());
            // Each event's frame is made once and shared by every watcher it goes to; Reactor Netty flushes
            // each write once nothing more is waiting, so every event leaves at once.
            return ServerResponse.ok()
                    .contentType(MediaType.TEXT_EVENT_STREAM)
                    .header("Cache-Control", "no-cache")
                    .header("X-Accel-Buffering", "no")
                    .body((response, context) -> response.writeWith(
                            events.map(event -> response.bufferFactory().wrap(event.frame()))));
        });
    }

    /** A stream's slot in the pod, and what gives it and its client's slot back, once. */
    private record Admission(StreamSlot slot, Runnable release) {}

    /**
     * The stream's slots, its client's and then the pod's (429 before 503), tied to its connection: both
     * come back when the stream ends or the connection closes, whichever is first. A connection reset
     * right after its request may close before its stream is ever subscribed, and such a stream never
     * ends: only the connection's close gives its slots back.
     */
    private Admission admit(ServerRequest request, Channel channel) {
        Runnable client = clients.reserve(request);
        StreamSlot pod;
        try {
            pod = watch.admit();
        } catch (RuntimeException refused) {
            client.run();
            throw refused;
        }
        Runnable both = () -> {
            pod.release();
            client.run();
        };
        if (channel == null) {
            return new Admission(pod, both);
        }
        // Fires at once when the connection has already closed.
        ChannelFutureListener closed = future -> both.run();
        channel.closeFuture().addListener(closed);
        return new Admission(pod, () -> {
            both.run();
            // A kept-alive connection may serve many streams: it keeps no listener of those that ended.
            channel.closeFuture().removeListener(closed);
        });
    }

    /**
     * The client's Netty channel, or null when the request did not come through Reactor Netty. Its
     * writability tells whether the client takes more now: a channel is not writable while what was
     * written to it waits above its high-water mark, unread.
     */
    private static Channel channel(ServerRequest request) {
        Object response =
                ServerHttpResponseDecorator.getNativeResponse(request.exchange().getResponse());
        if (response instanceof NettyOutbound outbound) {
            Channel[] channel = new Channel[1];
            outbound.withConnection(connection -> channel[0] = connection.channel());
            return channel[0];
        }
        return null;
    }

    Mono<ServerResponse> poll(ServerRequest request) {
        return Mono.defer(() -> {
            WatcherAccess.Authorized watcher = watchers.authorized(request);
            return watch.poll(watcher.ref(), watcher.grant().incarnation(), options(request))
                    .flatMap(json -> ServerResponse.ok()
                            .contentType(MediaType.APPLICATION_JSON)
                            .bodyValue(json));
        });
    }

    /** The job object with its whole log, as Windmill's get answers it; {@code no_logs=true} leaves the log out. */
    Mono<ServerResponse> job(ServerRequest request) {
        return Mono.defer(() -> {
            WatcherAccess.Authorized watcher = watchers.authorized(request);
            boolean noLogs = QueryArgs.flag(request, "no_logs");
            return watcher.job(store).flatMap(job -> {
                ObjectNode doc = JobJson.document(job, mapper);
                return noLogs ? Answers.json(mapper, doc) : logs.withLogs(job, doc);
            });
        });
    }

    private static WatchOptions options(ServerRequest request) {
        long logOffset = QueryArgs.count(request, "log_offset");
        return new WatchOptions(
                QueryArgs.flag(request, "running"),
                Math.max(0, logOffset - 1),
                QueryArgs.count(request, "stream_offset"),
                QueryArgs.flag(request, "get_progress"),
                QueryArgs.flag(request, "only_result"),
                QueryArgs.flag(request, "no_logs"));
    }
}
