package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.function.Supplier;
import org.springframework.http.codec.ServerSentEvent;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * One watcher as a real client behaves: follows a job to its end, reconnecting on {@code timeout}, on
 * a dropped connection and now and then mid-way, either by {@code log_offset} or, as a browser's
 * EventSource does, by repeating its first URL with the last {@code id} it saw. It checks that every
 * {@code log_offset} advances by exactly the text received.
 */
public final class SseFollower {

    private final Supplier<SseClient> pods;
    private final String namespace;
    private final String id;
    final long start;
    final boolean byLastEventId;
    private final int eventsPerSession;
    final StringBuilder text = new StringBuilder();
    private String lastId;
    private long logOffset;
    int completedEvents;
    int reconnects;
    JsonNode completion;

    /** @param pods gives the pod to connect to, asked again at each reconnect */
    public SseFollower(Supplier<SseClient> pods, String namespace, String id, long start, boolean byLastEventId,
            int eventsPerSession) {
        this.pods = pods;
        this.namespace = namespace;
        this.id = id;
        this.start = start;
        this.byLastEventId = byLastEventId;
        this.eventsPerSession = eventsPerSession;
        this.logOffset = start + 1;
    }

    public Mono<Void> run() {
        return Mono.defer(() -> {
            reconnects++;
            String query = byLastEventId ? "log_offset=" + (start + 1) : "log_offset=" + logOffset;
            Flux<ServerSentEvent<String>> events = pods.get().events(namespace, id, query, byLastEventId ? lastId : null,
                    WorkerApiClient.PRODUCER);
            return events.take(eventsPerSession)
                    .doOnNext(this::apply)
                    .then()
                    // A pod that went away mid-stream: come back through another one.
                    .onErrorResume(error -> Mono.delay(Duration.ofMillis(100)).then());
        }).repeat(() -> completedEvents == 0).then();
    }

    public String text() {
        return text.toString();
    }

    public int reconnects() {
        return reconnects;
    }

    private void apply(ServerSentEvent<String> event) {
        JsonNode data = SseClient.JSON.readTree(event.data());
        String type = data.get("type").stringValue();
        assertThat(type).isIn("update", "ping", "timeout");
        if (!type.equals("update")) {
            return;
        }
        String added = data.path("new_logs").asString("");
        if (data.has("log_offset")) {
            assertThat(data.get("log_offset").longValue())
                    .as("log_offset advances by exactly the text received")
                    .isEqualTo(logOffset + added.codePointCount(0, added.length()));
            logOffset = data.get("log_offset").longValue();
        }
        text.append(added);
        lastId = event.id();
        if (data.path("completed").asBoolean(false)) {
            completedEvents++;
            completion = data;
        }
    }
}
