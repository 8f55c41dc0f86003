package dev.jobwatch.web;

import dev.jobwatch.auth.Access;
import dev.jobwatch.auth.Grant;
import dev.jobwatch.job.InvalidInputException;
import dev.jobwatch.job.JobJson;
import dev.jobwatch.job.JobRef;
import dev.jobwatch.store.JobStore;
import dev.jobwatch.store.LogSlice;
import dev.jobwatch.watch.WatchEvent;
import dev.jobwatch.watch.WatchOptions;
import dev.jobwatch.watch.WatchService;
import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.springframework.http.HttpCookie;
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

    private static final int LOG_PAGE_ROWS = 10_000;
    private static final int LOG_PAGE_BYTES = 1 << 20;

    private final WatchService watch;
    private final JobStore store;
    private final Access access;
    private final JsonMapper mapper;
    private final ErrorResponses errors;
    private final ClientStreams clients;
    /** A scheduler over each event loop, made once; never disposed, since that would shut the loop down. */
    private final Map<EventExecutor, Scheduler> loops = new ConcurrentHashMap<>();

    WatchHandler(WatchService watch, JobStore store, Access access, JsonMapper mapper, ErrorResponses errors,
            ClientStreams clients) {
        this.watch = watch;
        this.store = store;
        this.access = access;
        this.mapper = mapper;
        this.errors = errors;
        this.clients = clients;
    }

    Mono<ServerResponse> stream(ServerRequest request) {
        return Mono.defer(() -> {
            JobRef ref = ref(request);
            Grant grant = authorized(request, ref);
            WatchOptions options = options(request).resume(request.headers().firstHeader("Last-Event-ID"));
            Channel channel = channel(request);
            BooleanSupplier writable = channel == null ? () -> true : channel::isWritable;
            Scheduler loop = channel == null ? null : loops.computeIfAbsent(channel.eventLoop(), Schedulers::fromExecutorService);
            Flux<WatchEvent> events = admitted(request, () -> watch.stream(ref, grant.incarnation(), options, writable, loop))
                    .onErrorResume(error -> Flux.just(WatchEvent.error(errors.streamError(error, request), mapper)));
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

    /**
     * The stream, within the client's own cap: its slot is taken before the pod's (429 before 503) and
     * given back when the stream ends, or at once when the pod refuses it.
     */
    private Flux<WatchEvent> admitted(ServerRequest request, Supplier<Flux<WatchEvent>> stream) {
        if (!clients.capped()) {
            return stream.get();
        }
        Runnable release = clients.reserve(request);
        try {
            return stream.get().doFinally(signal -> release.run());
        } catch (RuntimeException refused) {
            release.run();
            throw refused;
        }
    }

    /**
     * The client's Netty channel, or null when the request did not come through Reactor Netty. Its
     * writability tells whether the client takes more now: a channel is not writable while what was
     * written to it waits above its high-water mark, unread.
     */
    private static Channel channel(ServerRequest request) {
        Object response = ServerHttpResponseDecorator.getNativeResponse(request.exchange().getResponse());
        if (response instanceof NettyOutbound outbound) {
            Channel[] channel = new Channel[1];
            outbound.withConnection(connection -> channel[0] = connection.channel());
            return channel[0];
        }
        return null;
    }

    Mono<ServerResponse> poll(ServerRequest request) {
        return Mono.defer(() -> {
            JobRef ref = ref(request);
            Grant grant = authorized(request, ref);
            return watch.poll(ref, grant.incarnation(), options(request))
                    .flatMap(json -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(json));
        });
    }

    /** The job object with its whole log, as Windmill's get answers it. */
    Mono<ServerResponse> job(ServerRequest request) {
        return Mono.defer(() -> {
            JobRef ref = ref(request);
            Grant grant = authorized(request, ref);
            return store.get(ref).doOnNext(job -> grant.require(job.incarnation()))
                    .flatMap(job -> store.readLog(ref, 0, LOG_PAGE_ROWS, LOG_PAGE_BYTES)
                    .expand(slice -> slice.text().isEmpty() || slice.end() >= job.log().length() ? Mono.empty()
                            : store.readLog(ref, slice.end(), LOG_PAGE_ROWS, LOG_PAGE_BYTES))
                    .map(LogSlice::text)
                    .collect(Collectors.joining())
                    .flatMap(logs -> {
                        ObjectNode doc = JobJson.document(job, mapper);
                        doc.put("logs", logs);
                        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                                .bodyValue(mapper.writeValueAsString(doc));
                    }));
        });
    }

    private static JobRef ref(ServerRequest request) {
        return new JobRef(request.pathVariable("ws"), request.pathVariable("id"));
    }

    /** What the watcher's token opens of the job; a watch token's incarnation is held against the job's as it is read. */
    private Grant authorized(ServerRequest request, JobRef ref) {
        return access.requireWatcher(token(request), ref);
    }

    /** Browsers' EventSource cannot set headers, so the token may also come as a cookie or a query argument. */
    private static String token(ServerRequest request) {
        String bearer = WorkerHandler.bearer(request);
        if (bearer != null) {
            return bearer;
        }
        HttpCookie cookie = request.cookies().getFirst("token");
        if (cookie != null) {
            return cookie.getValue();
        }
        return request.headers().firstHeader(QueryToken.HEADER);
    }

    private static WatchOptions options(ServerRequest request) {
        long logOffset = count(request, "log_offset");
        return new WatchOptions(
                flag(request, "running"),
                Math.max(0, logOffset - 1),
                count(request, "stream_offset"),
                flag(request, "get_progress"),
                flag(request, "only_result"),
                flag(request, "no_logs"));
    }

    private static boolean flag(ServerRequest request, String name) {
        String value = request.queryParam(name).orElse("false").toLowerCase(Locale.ROOT);
        return switch (value) {
            case "true", "1", "" -> true;
            case "false", "0" -> false;
            default -> throw new InvalidInputException("Invalid " + name + ": use true or false");
        };
    }

    private static long count(ServerRequest request, String name) {
        String value = request.queryParam(name).orElse("0");
        long number;
        try {
            number = Long.parseLong(value);
        } catch (NumberFormatException e) {
            number = -1;
        }
        if (number < 0) {
            throw new InvalidInputException("Invalid " + name + ": use a whole number, 0 or more");
        }
        if (number > WatchOptions.MAX_OFFSET) {
            throw new InvalidInputException("Invalid " + name + ": use a whole number up to " + WatchOptions.MAX_OFFSET);
        }
        return number;
    }
}
