package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The tests' one SSE client, at three depths:
 * <ul>
 * <li>parsed: a stream's events (name, data, id) or its updates as JSON, as a {@link Flux} to verify,
 * take from or dispose of, with room for many streams at once; or a response's status and headers
 * with its first event ({@link #open});</li>
 * <li>followed: a {@link Follower} watches a job to its end as a real client does, reconnecting on
 * {@code timeout} and on a dropped connection;</li>
 * <li>raw: a {@link Raw} socket that reads only when the test says so, to see the bytes on the wire or
 * to be the client that stops reading; and {@link #rawEvent} for a body another client opened.</li>
 * </ul>
 * Nothing here blocks on an event loop: the parsed streams run on the client's loops, and the raw
 * reads happen on the test's own thread.
 */
public final class SseClient {

    public static final JsonMapper JSON = JsonMapper.builder().build();

    private static final ParameterizedTypeReference<ServerSentEvent<String>> EVENT =
            new ParameterizedTypeReference<>() {};

    private final int port;
    private final WebClient http;

    public SseClient(int port) {
        this.port = port;
        ConnectionProvider pool = ConnectionProvider.builder("sse-test")
                .maxConnections(12_000)
                .pendingAcquireMaxCount(-1)
                .pendingAcquireTimeout(Duration.ofSeconds(60))
                .build();
        this.http = WebClient.builder()
                .baseUrl("http://localhost:" + port)
                .clientConnector(new ReactorClientHttpConnector(HttpClient.create(pool)))
                .codecs(codecs -> codecs.defaultCodecs().maxInMemorySize(16 * 1024 * 1024))
                .build();
    }

    /** The path of a job's stream, with {@code query} (which may be empty) after it. */
    public static String path(String workspace, String id, String query) {
        return "/api/w/" + workspace + "/jobs_u/getupdate_sse/" + id + (query.isEmpty() ? "" : "?" + query);
    }

    // ---------------------------------------------------------------- parsed

    /**
     * The events of any SSE request, with the headers {@code headers} sets and no others; a refusal
     * fails the flux with a {@code WebClientResponseException} that carries its status.
     */
    public Flux<ServerSentEvent<String>> events(String pathAndQuery, Consumer<HttpHeaders> headers) {
        return http.get().uri(pathAndQuery).headers(headers).retrieve().bodyToFlux(EVENT);
    }

    /** The events of one job's stream; {@code lastEventId} and {@code token} may be null. */
    public Flux<ServerSentEvent<String>> events(
            String workspace, String id, String query, String lastEventId, String token) {
        return events(path(workspace, id, query), headers -> {
            if (lastEventId != null) {
                headers.set("Last-Event-ID", lastEventId);
            }
            if (token != null) {
                headers.setBearerAuth(token);
            }
        });
    }

    /** The updates of one stream, watched with a producer token as a trusted backend would. */
    public Flux<JsonNode> updates(String workspace, String id, String query) {
        return updates(workspace, id, query, WorkerApiClient.PRODUCER);
    }

    /** The updates of one stream with {@code token} (null: none), each event's data as JSON. */
    public Flux<JsonNode> updates(String workspace, String id, String query, String token) {
        return events(workspace, id, query, null, token).map(event -> JSON.readTree(event.data()));
    }

    /** A stream's answer as it opens: its status and headers, with its first event; the connection is then closed. */
    public record Opened(HttpStatusCode status, HttpHeaders headers, ServerSentEvent<String> first) {}

    /** Opens an SSE request with the headers {@code headers} sets, to see its status, headers and first event. */
    public Mono<Opened> open(String pathAndQuery, Consumer<HttpHeaders> headers) {
        return http.get()
                .uri(pathAndQuery)
                .headers(headers)
                .exchangeToMono(response -> response.statusCode().isError()
                        ? response.createError()
                        : response.bodyToFlux(EVENT)
                                .next()
                                .map(first -> new Opened(
                                        response.statusCode(),
                                        response.headers().asHttpHeaders(),
                                        first)));
    }

    // ---------------------------------------------------------------- followed

    /**
     * One watcher as a real client behaves: follows a job to its end, reconnecting on {@code timeout}, on
     * a dropped connection and now and then mid-way, either by {@code log_offset} or, as a browser's
     * EventSource does, by repeating its first URL with the last {@code id} it saw. It checks that every
     * {@code log_offset} advances by exactly the text received.
     */
    public static final class Follower {

        private final Supplier<SseClient> pods;
        private final String namespace;
        private final String id;
        private final long start;
        private final boolean byLastEventId;
        private final int eventsPerSession;
        private final StringBuilder text = new StringBuilder();
        private String lastId;
        private long logOffset;
        private int completedEvents;
        private int reconnects;
        private JsonNode completion;

        /**
         * @param pods gives the pod to connect to, asked again at each reconnect
         * @param start the number of log characters the watcher already has when it joins
         * @param eventsPerSession how many events it takes before it reconnects on its own
         */
        public Follower(
                Supplier<SseClient> pods,
                String namespace,
                String id,
                long start,
                boolean byLastEventId,
                int eventsPerSession) {
            this.pods = pods;
            this.namespace = namespace;
            this.id = id;
            this.start = start;
            this.byLastEventId = byLastEventId;
            this.eventsPerSession = eventsPerSession;
            this.logOffset = start + 1;
        }

        /** Follows the job until an update says it completed. */
        public Mono<Void> run() {
            return Mono.defer(() -> {
                        reconnects++;
                        String query = byLastEventId ? "log_offset=" + (start + 1) : "log_offset=" + logOffset;
                        Flux<ServerSentEvent<String>> events = pods.get()
                                .events(namespace, id, query, byLastEventId ? lastId : null, WorkerApiClient.PRODUCER);
                        return events.take(eventsPerSession)
                                .doOnNext(this::apply)
                                .then()
                                // A pod that went away mid-stream: come back through another one.
                                .onErrorResume(error ->
                                        Mono.delay(Duration.ofMillis(100)).then());
                    })
                    .repeat(() -> completedEvents == 0)
                    .then();
        }

        public long start() {
            return start;
        }

        public boolean byLastEventId() {
            return byLastEventId;
        }

        /** The log text received, from where the watcher joined. */
        public String text() {
            return text.toString();
        }

        /** Connections made, the first included. */
        public int reconnects() {
            return reconnects;
        }

        /** Updates that said {@code completed: true}. */
        public int completedEvents() {
            return completedEvents;
        }

        /** The last update that said {@code completed: true}, or null. */
        public JsonNode completion() {
            return completion;
        }

        private void apply(ServerSentEvent<String> event) {
            JsonNode data = JSON.readTree(event.data());
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

    // ---------------------------------------------------------------- raw

    /**
     * Opens a plain socket and sends an SSE request for {@code path} with the producer's token; nothing
     * is read until the test reads.
     *
     * @param from the local address to connect from, or null for the system's choice
     * @param receiveBuffer the socket's receive buffer in bytes, or 0 for the system's: a small one makes
     *        a client that does not read felt by the server at once
     */
    public Raw raw(String path, InetAddress from, int receiveBuffer) {
        return new Raw(port, path, from, receiveBuffer);
    }

    /**
     * One SSE request on a plain socket, read only when the test says so: a client that stops reading,
     * as a stalled phone or a stuck proxy does, or one that opens and vanishes.
     */
    public static final class Raw implements AutoCloseable {

        private final Socket socket;

        private Raw(int port, String path, InetAddress from, int receiveBuffer) {
            try {
                socket = new Socket();
                if (receiveBuffer > 0) {
                    socket.setReceiveBufferSize(receiveBuffer);
                }
                if (from != null) {
                    socket.bind(new InetSocketAddress(from, 0));
                }
                // A connect may wait seconds while the server's accept queue is full (the kernel retries the SYN).
                socket.connect(new InetSocketAddress("127.0.0.1", port), 60_000);
                socket.setSoTimeout(60_000);
                socket.getOutputStream()
                        .write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                        + "Authorization: Bearer " + WorkerApiClient.PRODUCER + "\r\n"
                                        + "Accept: text/event-stream\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public int localPort() {
            return socket.getLocalPort();
        }

        /**
         * Reads the whole response, to the end of its chunked body, at full speed (with a larger receive
         * buffer from now on), and gives back its events as they were framed on the wire.
         */
        public List<ServerSentEvent<String>> readToEnd() throws IOException {
            socket.setReceiveBufferSize(1 << 20);
            InputStream in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
            String status = line(in);
            if (!status.startsWith("HTTP/1.1 200")) {
                throw new IllegalStateException("answered " + status);
            }
            while (!line(in).isEmpty()) {
                // the headers: an SSE body comes chunked, which is all this reader needs to know
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            for (int size = Integer.parseInt(line(in), 16); size > 0; size = Integer.parseInt(line(in), 16)) {
                body.write(in.readNBytes(size));
                line(in);
            }
            return parse(body.toString(StandardCharsets.UTF_8));
        }

        /** Reads the response's status line, such as {@code HTTP/1.1 200 OK}, and nothing more. */
        public String status() throws IOException {
            return line(socket.getInputStream());
        }

        /** Closes the connection as a client that leaves does. */
        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Resets the connection rather than closing it, as a client that vanishes does. */
        public void reset() {
            try {
                socket.setSoLinger(true, 0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            close();
        }

        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    throw new IOException("the stream ended mid-line");
                }
                if (b != '\r') {
                    line.write(b);
                }
            }
            return line.toString(StandardCharsets.US_ASCII);
        }
    }

    /**
     * The bytes of the next event on an SSE body that another client opened (and took the chunking off):
     * everything up to and including the blank line that ends it, or up to the body's end.
     */
    public static byte[] rawEvent(InputStream body) throws IOException {
        ByteArrayOutputStream event = new ByteArrayOutputStream();
        int last = -1;
        for (int b = body.read(); b >= 0; b = body.read()) {
            event.write(b);
            if (b == '\n' && last == '\n') {
                break;
            }
            last = b;
        }
        return event.toByteArray();
    }

    /**
     * Events as SSE frames them: fields up to a blank line, {@code data} lines joined by newlines, a
     * comment line ({@code :}) kept as the event's comment.
     */
    static List<ServerSentEvent<String>> parse(String text) {
        List<ServerSentEvent<String>> events = new ArrayList<>();
        ServerSentEvent.Builder<String> event = null;
        StringBuilder data = null;
        StringBuilder comment = null;
        for (String line : text.split("\r?\n", -1)) {
            if (line.isEmpty()) {
                if (event != null) {
                    events.add(event.data(data == null ? null : data.toString())
                            .comment(comment == null ? null : comment.toString())
                            .build());
                }
                event = null;
                data = null;
                comment = null;
                continue;
            }
            if (event == null) {
                event = ServerSentEvent.builder();
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(line.startsWith(" ", colon + 1) ? colon + 2 : colon + 1);
            switch (field) {
                case "" ->
                    comment = comment == null
                            ? new StringBuilder(value)
                            : comment.append('\n').append(value);
                case "data" ->
                    data = data == null
                            ? new StringBuilder(value)
                            : data.append('\n').append(value);
                case "id" -> event.id(value);
                case "event" -> event.event(value);
                default -> {
                    // A field SSE does not know is ignored, as a browser ignores it.
                }
            }
        }
        return events;
    }
}
