package dev.jobwatch.web;

import static dev.jobwatch.web.WorkerApiClient.PRODUCER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jobwatch.TestRedis;
import dev.jobwatch.TestServer;
import dev.jobwatch.job.LogMarker;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;

/**
 * A jobwatch job whose log is full (16 MiB, the default cap, of 64 KiB rows), with 8 MB of result
 * stream, is read whole, as a job, polled from the start, streamed from the start and paged as BullMQ
 * pages it, every character in order, while no script call holds Redis for 5 ms: Redis's slow log, on a Redis of the test's own, says
 * so. The rows mix one- to four-byte characters, so every cut between two slices of a read falls on
 * text that one byte too many or too few would spoil.
 */
class BigLogIntegrationTest {

    private static final Duration DEADLINE = Duration.ofSeconds(120);
    /** Redis's own threshold for its slow log, in µs; the one bound on time here, and Redis measures it. */
    private static final long SLOW_MICROS = 5_000;
    /** 1 + 2 + 3 + 4 bytes: one character of each UTF-8 length. */
    private static final String MIXED = "aé日😀";
    /** One more row than the cap holds, so the first is dropped behind the marker. */
    private static final int ROWS = 257;
    /** Bytes of each row: with its newline exactly 64 KiB, so 256 rows fill the 16 MiB cap. */
    private static final int ROW_BYTES = 64 * 1024 - 1;
    /** Result-stream chunks, each a little under the 64 KiB a chunk may be: 8 MB of them. */
    private static final int CHUNKS = 128;

    private static final int CHUNK_BYTES = 65_000;
    /** What one poll brings at most: the watch page (1 MiB) and the one row that may pass it. */
    private static final int POLL_PAGE = (1 << 20) + 64 * 1024;

    private static TestRedis own;
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> connection;

    /**
     * A Redis of its own, so that the slow-log setting and what it records are this test's alone. The
     * slow log counts wall time, so a call that loses its core to another process counts that wait too:
     * on a machine whose two cores run a dozen busy processes, a call of 0.2 ms shows as 20 ms now and
     * then, whatever it does. So this Redis is scheduled ahead of them where the test may ask that
     * ({@code chrt}, as root; elsewhere it stays as it is), and the slow log then measures the calls, not
     * the machine. Redis sleeps between commands, so this costs the other processes only the calls' time.
     */
    @BeforeAll
    static void redis() throws IOException, InterruptedException {
        own = new TestRedis();
        client = RedisClient.create(own.url());
        connection = client.connect();
        String pid = connection
                .sync()
                .info("server")
                .lines()
                .filter(line -> line.startsWith("process_id:"))
                .map(line -> line.substring("process_id:".length()).strip())
                .findFirst()
                .orElseThrow();
        new ProcessBuilder("chrt", "--fifo", "--pid", "1", pid)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start()
                .waitFor();
    }

    @AfterAll
    static void stopRedis() {
        connection.close();
        client.shutdown();
        own.close();
    }

    @Test
    void aFullLogOfLongRowsIsReadWholeInBoundedStepsAndNoScriptCallIsSlow() {
        RedisCommands<String, String> redis = connection.sync();
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            rows.add(row(i));
        }
        String dropped = rows.get(0) + "\n";
        String kept = rows.subList(1, ROWS).stream().map(row -> row + "\n").collect(Collectors.joining());
        String whole = LogMarker.text(1, dropped.codePointCount(0, dropped.length())) + "\n" + kept;
        long length = (dropped + kept).codePoints().count();
        List<String> chunks = new ArrayList<>();
        for (int i = 0; i < CHUNKS; i++) {
            chunks.add(fill("chunk %03d ".formatted(i), i, CHUNK_BYTES));
        }
        String stream = String.join("", chunks);

        try (TestServer server = new TestServer(own.url())) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            WebTestClient http = api.http
                    .mutate()
                    .responseTimeout(DEADLINE)
                    .codecs(codecs -> codecs.defaultCodecs().maxInMemorySize(64 << 20))
                    .build();
            redis.configSet("slowlog-log-slower-than", Long.toString(SLOW_MICROS));
            redis.configSet("slowlog-max-len", "100000");
            redis.slowlogReset();
            String token = api.add("big");
            // The appends are measured too: the one past the cap drops the oldest row (log.lua).
            for (String row : rows) {
                api.log("big", token, row);
            }
            for (String chunk : chunks) {
                api.post(api.job("big") + "/stream", token, MediaType.TEXT_PLAIN, chunk)
                        .expectStatus()
                        .isOk();
            }
            api.post(api.job("big") + "/complete", token, MediaType.APPLICATION_JSON, "{\"success\":true,\"result\":1}")
                    .expectStatus()
                    .isOk();
            // From here on, the reads, whose calls are counted apart.
            redis.configResetstat();

            String windmill = "/api/w/" + api.namespace + "/jobs_u/";
            EntityExchangeResult<byte[]> logs = http.get()
                    .uri(windmill + "get_logs/big")
                    .header("Authorization", "Bearer " + PRODUCER)
                    .exchange()
                    .expectStatus()
                    .isOk()
                    .expectHeader()
                    .contentType("text/plain;charset=UTF-8")
                    .expectBody(byte[].class)
                    .returnResult();
            assertThat(new String(logs.getResponseBodyContent(), StandardCharsets.UTF_8))
                    .as("get_logs: the whole log, in order")
                    .isEqualTo(whole);
            assertThat(logs.getResponseHeaders().getContentLength())
                    .as("sent as it is read, so of no length known before")
                    .isEqualTo(-1);
            assertThat(json(http, windmill + "get/big").get("logs").stringValue())
                    .as("get: the job with its whole log")
                    .isEqualTo(whole);
            assertThat(json(http, windmill + "completed/get/big").get("logs").stringValue())
                    .as("completed/get: the completed job with its whole log")
                    .isEqualTo(whole);
            assertThat(text(http, windmill + "get_completed_logs_tail/big"))
                    .as("the log's last 20,000 characters")
                    .isEqualTo(kept.substring(
                            kept.offsetByCodePoints(kept.length(), -(int) WindmillJobHandler.LOGS_TAIL)));

            StringBuilder polled = new StringBuilder();
            StringBuilder polledStream = new StringBuilder();
            long offset = 0;
            long chunksHeld = 0;
            int polls = 0;
            while (offset < length + 1 || chunksHeld < CHUNKS) {
                JsonNode update =
                        json(http, windmill + "getupdate/big?log_offset=" + offset + "&stream_offset=" + chunksHeld);
                String page = update.path("new_logs").asString("");
                String chunkPage = update.path("new_result_stream").asString("");
                assertThat(page.getBytes(StandardCharsets.UTF_8).length)
                        .as("one poll brings one page of log at most")
                        .isLessThanOrEqualTo(POLL_PAGE);
                assertThat(chunkPage.getBytes(StandardCharsets.UTF_8).length)
                        .as("and one page of chunks")
                        .isLessThanOrEqualTo(POLL_PAGE);
                long nextOffset = update.get("log_offset").longValue();
                long nextChunks = update.get("stream_offset").longValue();
                assertThat(nextOffset > offset || nextChunks > chunksHeld)
                        .as("each poll moves on")
                        .isTrue();
                polled.append(page);
                polledStream.append(chunkPage);
                offset = nextOffset;
                chunksHeld = nextChunks;
                polls++;
            }
            assertThat(polled.toString())
                    .as("polls from the start, each from the offsets the last gave")
                    .isEqualTo(whole);
            assertThat(polledStream.toString()).as("the result stream, polled").isEqualTo(stream);
            assertThat(polls).as("polls it took").isGreaterThan(8);

            long middle = length - 1_000_003;
            String fromMiddle = json(http, windmill + "getupdate/big?log_offset=" + (middle + 1))
                    .get("new_logs")
                    .stringValue();
            String all = dropped + kept;
            assertThat(all.substring(all.offsetByCodePoints(0, (int) middle)))
                    .as("a poll from inside a row starts at exactly that character")
                    .startsWith(fromMiddle);

            List<JsonNode> updates = new SseClient(server.port())
                    .updates(api.namespace, "big", "log_offset=0&stream_offset=0")
                    .takeUntil(update -> update.path("completed").asBoolean(false))
                    .collectList()
                    .block(DEADLINE);
            assertThat(updates.stream()
                            .map(update -> update.path("new_logs").asString(""))
                            .collect(Collectors.joining()))
                    .as("the stream from the start")
                    .isEqualTo(whole);
            assertThat(updates.stream()
                            .map(update -> update.path("new_result_stream").asString(""))
                            .collect(Collectors.joining()))
                    .as("its result stream")
                    .isEqualTo(stream);

            List<String> paged = new ArrayList<>();
            for (int start = 0; start < ROWS; start += 100) {
                JsonNode page = json(http, api.job("big") + "/logs?start=" + start + "&length=100");
                assertThat(page.get("count").longValue()).isEqualTo(ROWS);
                page.get("logs").forEach(row -> paged.add(row.stringValue()));
            }
            assertThat(String.join("\n", paged) + "\n").as("BullMQ's pages").isEqualTo(whole);

            long[] scripts = scriptCalls(redis);
            assertThat(slowScriptCalls(redis))
                    .as(
                            "script calls of %d µs or more, of %d calls taking %d µs in all",
                            SLOW_MICROS, scripts[0], scripts[1])
                    .isEmpty();
        }
    }

    /** Row {@code i}: its number, then the four-character mix turned by {@code i}, to exactly {@link #ROW_BYTES}. */
    private static String row(int i) {
        return fill("row %03d ".formatted(i), i, ROW_BYTES);
    }

    /** {@code head}, then the four-character mix turned by {@code turn}, to exactly {@code bytes}. */
    private static String fill(String head, int turn, int bytes) {
        int at = MIXED.offsetByCodePoints(0, turn % 4);
        String mix = MIXED.substring(at) + MIXED.substring(0, at);
        String text = head + mix.repeat((bytes - head.length()) / 10);
        return text + "x".repeat(bytes - text.getBytes(StandardCharsets.UTF_8).length);
    }

    private static String text(WebTestClient http, String path) {
        byte[] body = http.get()
                .uri(path)
                .header("Authorization", "Bearer " + PRODUCER)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(byte[].class)
                .returnResult()
                .getResponseBody();
        return new String(body, StandardCharsets.UTF_8);
    }

    private static JsonNode json(WebTestClient http, String path) {
        return SseClient.JSON.readTree(text(http, path));
    }

    /** The slow log's entries for script calls (EVALSHA, EVAL), each with its µs and its first arguments. */
    private static List<String> slowScriptCalls(RedisCommands<String, String> redis) {
        List<String> slow = new ArrayList<>();
        for (Object entry : redis.slowlogGet(100_000)) {
            List<?> fields = (List<?>) entry;
            List<?> command = (List<?>) fields.get(3);
            String name = String.valueOf(command.get(0)).toUpperCase();
            if (name.startsWith("EVAL")) {
                slow.add(fields.get(2) + " µs: "
                        + command.subList(0, Math.min(command.size(), 6)).stream()
                                .map(part -> {
                                    String text = String.valueOf(part);
                                    return text.length() > 60 ? text.substring(0, 60) + "..." : text;
                                })
                                .collect(Collectors.joining(" ")));
            }
        }
        return slow;
    }

    /** EVALSHA and EVAL calls since the statistics were reset, and the µs they took in all. */
    private static long[] scriptCalls(RedisCommands<String, String> redis) {
        long[] total = new long[2];
        redis.info("commandstats")
                .lines()
                .filter(line -> line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:"))
                .forEach(line -> {
                    total[0] += Long.parseLong(line.replaceAll("^[^:]+:calls=(\\d+),.*", "$1"));
                    total[1] += Long.parseLong(line.replaceAll("^.*,usec=(\\d+),.*", "$1"));
                });
        return total;
    }
}
