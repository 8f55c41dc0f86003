package dev.jobwatch.web;

import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.springframework.http.HttpStatus;
import org.springframework.web.util.DisconnectedClientHelper;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The request metrics of the Netty routes: the meters that WebFlux's request observation records for its
 * own routes (Spring's {@code DefaultServerRequestObservationConvention} read by Micrometer's
 * {@code DefaultMeterObservationHandler}), with the same names, tags and values. The timer
 * {@code http.server.requests} is tagged {@code exception, method, outcome, status, uri} and {@code error}
 * when the answer is out; the long task timer {@code http.server.requests.active} counts the requests under
 * way with the tags WebFlux's observation has when it starts, before its request is routed
 * ({@code uri="UNKNOWN"}, and the response's status, 200, as yet).
 *
 * <p>They are recorded on the registry directly, each meter looked up once: an observation makes its tags
 * and looks its meters up anew for every request, which came to 6.5 % of the server's CPU for a write.
 */
final class NettyRequestMetrics {

    private static final String NAME = "http.server.requests";
    private static final String NONE = "none";
    private static final String UNKNOWN = "UNKNOWN";
    /** The Netty routes serve {@code POST} only. */
    private static final String METHOD = "POST";

    private final MeterRegistry registry;
    /** Each write's timers of an answer, by status, made when first needed. */
    private final Map<WorkerWrite, AtomicReferenceArray<Timer>> answered = new EnumMap<>(WorkerWrite.class);
    /** Made by the first request, as WebFlux's is: until then the series is not there. */
    private volatile LongTaskTimer active;

    NettyRequestMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (WorkerWrite write : WorkerWrite.values()) {
            answered.put(write, new AtomicReferenceArray<>(600));
        }
    }

    /** Counts the request as under way, and starts its clock. */
    Request start(WorkerWrite write) {
        LongTaskTimer underWay = active;
        if (underWay == null) {
            underWay = LongTaskTimer.builder(NAME + ".active")
                    .tags(Tags.of(
                            "exception", NONE, "method", METHOD, "outcome", "SUCCESS", "status", "200", "uri", UNKNOWN))
                    .register(registry);
            active = underWay;
        }
        return new Request(write, underWay.start(), Timer.start(registry));
    }

    /** One request's measure, taken once, by whichever way its answer ends first. */
    final class Request {

        private final WorkerWrite write;
        private final LongTaskTimer.Sample underWay;
        private final Timer.Sample clock;
        private final AtomicBoolean ended = new AtomicBoolean();

        private Request(WorkerWrite write, LongTaskTimer.Sample underWay, Timer.Sample clock) {
            this.write = write;
            this.underWay = underWay;
            this.clock = clock;
        }

        /** The answer went out. */
        void answered(HttpServerResponse response) {
            if (ended.compareAndSet(false, true)) {
                int status = response.status().code();
                AtomicReferenceArray<Timer> timers = answered.get(write);
                Timer timer = status < timers.length() ? timers.get(status) : null;
                if (timer == null) {
                    timer = timer(Integer.toString(status), outcome(status), NONE);
                    if (status < timers.length()) {
                        timers.set(status, timer);
                    }
                }
                end(timer);
            }
        }

        /**
         * The answer, begun with its status, could not be written; when its client went away, its outcome
         * is unknown, as WebFlux counts an answer whose client left.
         */
        void failed(HttpServerResponse response, Throwable error) {
            if (ended.compareAndSet(false, true)) {
                int code = response.status().code();
                String name = error.getClass().getSimpleName();
                end(timer(
                        Integer.toString(code),
                        DisconnectedClientHelper.isClientDisconnectedException(error) ? UNKNOWN : outcome(code),
                        name.isEmpty() ? error.getClass().getName() : name));
            }
        }

        /** The client went away before the answer was out. */
        void aborted(HttpServerResponse response) {
            if (ended.compareAndSet(false, true)) {
                end(timer(
                        response.hasSentHeaders()
                                ? Integer.toString(response.status().code())
                                : UNKNOWN,
                        UNKNOWN,
                        NONE));
            }
        }

        private void end(Timer timer) {
            clock.stop(timer);
            underWay.stop();
        }

        private Timer timer(String status, String outcome, String exception) {
            return Timer.builder(NAME)
                    .tags(Tags.of(
                            "error", exception,
                            "exception", exception,
                            "method", METHOD,
                            "outcome", outcome,
                            "status", status,
                            "uri", write.pattern()))
                    .register(registry);
        }
    }

    /** As Spring names a status's outcome: its series, SUCCESS for 2xx, UNKNOWN for a status it does not know. */
    private static String outcome(int status) {
        if (status >= 200 && status < 300) {
            return "SUCCESS";
        }
        HttpStatus known = HttpStatus.resolve(status);
        return known == null ? UNKNOWN : known.series().name();
    }
}
