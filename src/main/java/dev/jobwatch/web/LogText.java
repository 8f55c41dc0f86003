package dev.jobwatch.web;

import dev.jobwatch.job.Job;
import dev.jobwatch.store.JobReads;
import dev.jobwatch.store.LogSlice;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A job's log as an answer, sent as it is read: a page at a time up to the length the job had when it
 * was read (so that a log growing meanwhile does not keep the read going), each page as it comes, in
 * buffers of at most {@link #BUFFER_BYTES}. A 16 MiB log is never one string: what an answer holds at
 * once is the page being read and the buffers the connection has not taken yet (Reactor Netty asks for
 * at most 128 ahead, and stops writing while the client does not read), about a megabyte.
 *
 * <p>The first page is read before the answer starts, so a job that is gone or a Redis that is away still
 * gets its status; a failure later (the job replaced by a later one with its id, Redis lost) cuts the
 * answer short, which the client sees as a broken response rather than a log that mixes two jobs.
 */
final class LogText {

    /** A page: as much as one store read call brings, so that each page is one short Redis moment. */
    private static final int PAGE_ROWS = 1_000;

    private static final int PAGE_BYTES = 32 * 1024;
    private static final int BUFFER_BYTES = 8 * 1024;
    /** Said outright: buffers written as they are carry no charset of their own. */
    private static final MediaType TEXT = new MediaType(MediaType.TEXT_PLAIN, StandardCharsets.UTF_8);

    private final JobReads store;
    private final JsonMapper mapper;

    LogText(JobReads store, JsonMapper mapper) {
        this.store = store;
        this.mapper = mapper;
    }

    /** The whole log that is kept (from the marker line, when the cap dropped old text), as plain text. */
    Mono<ServerResponse> whole(Job job) {
        return text(job, 0);
    }

    /** The log's last {@code codePoints} code points, or all of it when it is shorter, as plain text. */
    Mono<ServerResponse> tail(Job job, long codePoints) {
        return text(job, Math.max(0, job.log().length() - codePoints));
    }

    /** The job's document with its whole log under {@code logs}, as JSON, the log escaped page by page. */
    Mono<ServerResponse> withLogs(Job job, ObjectNode doc) {
        String open = mapper.writeValueAsString(doc);
        String head = open.substring(0, open.length() - 1) + (doc.size() > 0 ? "," : "") + "\"logs\":\"";
        return pages(job, 0)
                .map(pages ->
                        Flux.just(head).concatWith(pages.map(this::escaped)).concatWith(Mono.just("\"}")))
                .flatMap(texts -> answer(MediaType.APPLICATION_JSON, texts));
    }

    private Mono<ServerResponse> text(Job job, long from) {
        return pages(job, from).flatMap(pages -> answer(TEXT, pages));
    }

    /** A page's text as it goes inside a JSON string: escaped, without the quotes. */
    private String escaped(String page) {
        String quoted = mapper.writeValueAsString(page);
        return quoted.substring(1, quoted.length() - 1);
    }

    /**
     * The log's text from {@code from}, a page at a time, each page read when the one before it was
     * taken; the first is read before this completes.
     */
    private Mono<Flux<String>> pages(Job job, long from) {
        long end = job.log().length();
        if (from >= end) {
            return Mono.just(Flux.empty());
        }
        return page(job, from)
                .map(first -> Mono.just(first)
                        .expand(slice ->
                                slice.text().isEmpty() || slice.end() >= end ? Mono.empty() : page(job, slice.end()))
                        .map(LogSlice::text));
    }

    /** Every page holds the incarnation the job was read as, so two jobs that share an id never mix. */
    private Mono<LogSlice> page(Job job, long from) {
        return store.readLog(job.ref(), from, PAGE_ROWS, PAGE_BYTES, job.incarnation());
    }

    private static Mono<ServerResponse> answer(MediaType type, Flux<String> texts) {
        return ServerResponse.ok()
                .contentType(type)
                .body((response, context) -> response.writeWith(
                        texts.concatMapIterable(text -> buffers(response.bufferFactory(), text), 1)));
    }

    /** UTF-8 bytes of the text in buffers of at most {@link #BUFFER_BYTES}, sharing one array. */
    private static List<DataBuffer> buffers(DataBufferFactory factory, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        List<DataBuffer> buffers = new ArrayList<>();
        for (int at = 0; at < bytes.length; at += BUFFER_BYTES) {
            buffers.add(factory.wrap(ByteBuffer.wrap(bytes, at, Math.min(BUFFER_BYTES, bytes.length - at))));
        }
        return buffers;
    }
}
