package dev.jobwatch.web;

import dev.jobwatch.job.InvalidInputException;
import dev.jobwatch.job.JsonBudget;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.reactivestreams.Subscription;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.util.unit.DataSize;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.channel.AbortedException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads request bodies within a limit, in the content types each route takes. A body past its limit
 * is refused (413) as soon as its length or its bytes pass the limit, before it is all in memory; a JSON
 * body that breaks the {@link JsonBudget}, as a whole, is refused (400) before any route sees it. A body
 * is given to its route only once it has arrived whole: one whose chunked encoding breaks
 * ({@link BodyDecodingFailures}) is refused (400), one that stalls past the header timeout fails with
 * Reactor Netty's read timeout (408, by {@link ErrorResponses}), so a route that writes what it read
 * never writes part of a body. A request is read through its {@link RequestView}, so a body is read alike
 * whichever part of the server carries it.
 */
final class RequestBodies {

    /** The connection closed before the body was whole: no one reads the answer, and nothing is written. */
    private static final ApiException CUT_SHORT =
            new ApiException(HttpStatus.BAD_REQUEST, "Body ended before it was whole");

    /** How the parser begins its report of a key seen twice in one object. */
    private static final String DUPLICATE_KEY = "Duplicate Object property";

    private final ObjectReader reader;

    /**
     * A key twice in one object is refused rather than read as its last value: a proxy or a check in
     * front may have read the first one, and the two would then disagree on what the body says.
     */
    RequestBodies(JsonMapper mapper) {
        this.reader = mapper.readerFor(JsonNode.class)
                .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION);
    }

    /** A JSON body: {@code application/json}, a {@code +json} type, or no content type at all. */
    Mono<JsonNode> json(RequestView request, String what, DataSize limit) {
        MediaType type = contentType(request, "application/json").orElse(MediaType.APPLICATION_JSON);
        if (!isJson(type)) {
            return Mono.error(unsupported(type, "application/json"));
        }
        return bytes(request, what, limit).map(bytes -> parse(decode(bytes, StandardCharsets.UTF_8), what));
    }

    /** Like {@link #json}, but a request without a body is fine: the result is then empty. */
    Mono<JsonNode> optionalJson(RequestView request, String what, DataSize limit) {
        return bytes(request, what, limit).flatMap(bytes -> {
            if (bytes.length == 0) {
                return Mono.empty();
            }
            MediaType type = contentType(request, "application/json").orElse(MediaType.APPLICATION_JSON);
            if (!isJson(type)) {
                return Mono.error(unsupported(type, "application/json"));
            }
            return Mono.just(parse(decode(bytes, StandardCharsets.UTF_8), what));
        });
    }

    /**
     * A text body: {@code text/plain} (UTF-8 unless it names a charset), or a JSON string literal sent
     * as {@code application/json}, as bullmq-proxy takes log rows.
     */
    Mono<String> text(RequestView request, String what, DataSize limit) {
        Optional<MediaType> type = contentType(request, "text/plain or application/json");
        if (type.isEmpty() || MediaType.TEXT_PLAIN.includes(type.get())) {
            Charset charset = type.map(MediaType::getCharset).orElse(StandardCharsets.UTF_8);
            return bytes(request, what, limit)
                    .map(bytes -> decode(bytes, charset == null ? StandardCharsets.UTF_8 : charset));
        }
        if (isJson(type.get())) {
            return bytes(request, what, limit).map(bytes -> {
                JsonNode node = parse(decode(bytes, StandardCharsets.UTF_8), what);
                if (!node.isString()) {
                    throw new InvalidInputException(what + " sent as application/json must be a JSON string");
                }
                return node.stringValue();
            });
        }
        return Mono.error(unsupported(type.get(), "text/plain or application/json"));
    }

    /**
     * A body the route has no use for, read whole within the limit and dropped: a route that writes waits
     * for it, so that a body that turns out malformed still refuses the request before anything is written.
     */
    Mono<Void> ignored(RequestView request, String what, DataSize limit) {
        return bytes(request, what, limit).then();
    }

    /**
     * The request's content type. One that does not parse, or names a charset this JVM does not have,
     * is refused here as a 415 rather than failing later as a server error.
     */
    private static Optional<MediaType> contentType(RequestView request, String accepted) {
        String sent = request.header(HttpHeaders.CONTENT_TYPE);
        if (sent == null || sent.isEmpty()) {
            return Optional.empty();
        }
        try {
            MediaType type = MediaType.parseMediaType(sent);
            type.getCharset();
            return Optional.of(type);
        } catch (IllegalArgumentException e) {
            throw new ApiException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Content type is not valid: send " + accepted);
        }
    }

    /** The raw body, empty when there is none. */
    private Mono<byte[]> bytes(RequestView request, String what, DataSize limit) {
        long max = limit.toBytes();
        if (request.contentLength() > max) {
            return Mono.error(tooLarge(what, limit));
        }
        return DataBufferUtils.join(body(request), Math.toIntExact(max))
                .map(buffer -> {
                    try {
                        byte[] bytes = new byte[buffer.readableByteCount()];
                        buffer.read(bytes);
                        return bytes;
                    } finally {
                        DataBufferUtils.release(buffer);
                    }
                })
                .defaultIfEmpty(new byte[0])
                .onErrorMap(DataBufferLimitException.class, e -> tooLarge(what, limit))
                .onErrorMap(AbortedException.class, e -> CUT_SHORT);
    }

    /**
     * The request's body, its subscription cancelled once it fails. Reactor Netty tells a reader that a
     * body failed (a read timeout, a malformed chunk), and when the answer then completes it tells a reader
     * that has not cancelled once more, which Reactor would log as an error dropped.
     */
    private static Flux<DataBuffer> body(RequestView request) {
        return Flux.defer(() -> {
            AtomicReference<Subscription> body = new AtomicReference<>();
            return request.body()
                    .doOnSubscribe(body::set)
                    .doOnError(error -> body.get().cancel());
        });
    }

    private JsonNode parse(String text, String what) {
        if (text.isBlank()) {
            throw new InvalidInputException(what + " is empty: send a JSON value");
        }
        JsonNode body;
        try {
            body = reader.readValue(text);
        } catch (StreamConstraintsException e) {
            if (String.valueOf(e.getOriginalMessage()).contains("depth")) {
                throw new InvalidInputException(what + " " + JsonBudget.TOO_DEEP);
            }
            throw new InvalidInputException(what + " is not valid JSON: it holds a number or string too long");
        } catch (MismatchedInputException e) {
            throw new InvalidInputException(what + " is not valid JSON: send one JSON value, with nothing after it");
        } catch (StreamReadException e) {
            String message = String.valueOf(e.getOriginalMessage());
            if (message.startsWith(DUPLICATE_KEY)) {
                throw new InvalidInputException(what + " is not valid JSON: the key "
                        + message.substring(DUPLICATE_KEY.length()).trim() + " appears twice in one object");
            }
            throw new InvalidInputException(what + " is not valid JSON: " + withoutInternals(message));
        } catch (JacksonException e) {
            throw new InvalidInputException(what + " is not valid JSON: " + withoutInternals(e.getOriginalMessage()));
        }
        JsonBudget.require(body, what);
        return body;
    }

    /**
     * The parser's own words on what is wrong, less the parts in backquotes, where Jackson names its
     * classes and settings: a client learns nothing from those, and an attacker something.
     */
    private static String withoutInternals(String message) {
        return message.replaceAll("\\s*\\([^()]*`[^()]*\\)", "").replaceAll("`[^`]*`", "it");
    }

    private static String decode(byte[] bytes, Charset charset) {
        try {
            return charset.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new InvalidInputException("Body is not valid " + charset.name());
        }
    }

    private static boolean isJson(MediaType type) {
        return MediaType.APPLICATION_JSON.isCompatibleWith(type)
                || (type.getSubtype().endsWith("+json") && "application".equals(type.getType()));
    }

    private static ApiException unsupported(MediaType type, String accepted) {
        return new ApiException(
                HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Content type " + type + " is not supported here: send " + accepted);
    }

    static ApiException tooLarge(String what, DataSize limit) {
        return new ApiException(HttpStatus.CONTENT_TOO_LARGE, what + " is larger than the limit of " + human(limit));
    }

    private static String human(DataSize size) {
        long bytes = size.toBytes();
        if (bytes % (1024 * 1024) == 0) {
            return bytes / (1024 * 1024) + " MiB";
        }
        if (bytes % 1024 == 0) {
            return bytes / 1024 + " KiB";
        }
        return bytes + " bytes";
    }
}
