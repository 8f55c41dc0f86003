package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobwatch.TestRedis;
import dev.jobwatch.TestServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Hostile input on every route, generated: names, offsets, flags, bodies, content types and headers
 * that no client should send. Whatever comes, the answer is a 4xx with one of the messages the API
 * documents (never a 5xx, a stack trace or a class name), and Redis holds exactly what it held.
 *
 * <p>The server has a Redis of its own, so that "exactly" means every key, its bytes and its expiry.
 */
class HostileInputPropertyTest {

    static final String NAMESPACE = "hostile-ns";
    static final String PRODUCER = WorkerApiClient.PRODUCER;
    static final JsonMapper JSON = JsonMapper.builder().build();

    /** Every message a refusal may carry, by status; anything else is a leak or an undocumented answer. */
    static final Map<Integer, Pattern> MESSAGES = Map.of(
            400,
                    Pattern.compile(String.join(
                            "|",
                            "Invalid namespace: it must be 3 to 100 characters of .*",
                            "Invalid job id: it must be 1 to 128 characters of .*",
                            "Invalid (running|get_progress|only_result|no_logs): use true or false",
                            "Invalid (log_offset|stream_offset): use a whole number, 0 or more",
                            "Invalid (log_offset|stream_offset): use a whole number up to 9007199254740991",
                            "Invalid start or length",
                            "Start and length must be positive",
                            "Invalid limit: use a whole number from 1 to \\d+",
                            "Length must be less than or equal to 100",
                            "Body is not valid [-A-Za-z0-9_.:]+",
                            "(Job batch|Progress|Completion|Log row|Chunk|Cancel body) is empty: send a JSON value",
                            "(Job batch|Progress|Completion|Log row|Chunk|Cancel body) is not valid JSON: .*",
                            "(Job batch|Progress|Completion|Log row|Chunk|Cancel body) is nested deeper than 100 "
                                    + "levels of arrays and objects",
                            "(Job batch|Progress|Completion|Log row|Chunk|Cancel body) holds a number out of range: "
                                    + "every number must be a finite double",
                            "(Log row|Chunk) sent as application/json must be a JSON string",
                            "(Completion|Cancel body|Job \\d+) must be a JSON object",
                            "Body must be a JSON array of jobs",
                            "Body must hold at least one job",
                            "Completion needs \"success\": true or false",
                            "(Completion|Cancel body|Job \\d+) has an unknown field .*",
                            "Job id .* appears twice in this request",
                            "Job \\d+: .*",
                            "\"(reason|canceled_by)\" must be a string")),
            401, Pattern.compile("Unauthorized"),
            404, Pattern.compile("Job not found|Not found"),
            409, Pattern.compile("Job is completed|Job .* already exists"),
            413,
                    Pattern.compile(
                            "(Job batch|Progress|Completion|Log row|Chunk|Cancel body|Start body) is larger than the limit of .*"
                                    + "|Too many jobs in one request: at most \\d+"),
            415, Pattern.compile("Content type .* is not supported here: send .*|Content type is not valid: .*"));

    static final Pattern LEAK = Pattern.compile(
            "Exception|\\tat |java\\.|javax\\.|tools\\.jackson|dev\\.jobwatch"
                    + "|org\\.springframework|reactor\\.|io\\.netty|io\\.lettuce|`|JsonToken|DeserializationFeature|StreamReadConstraints");

    static TestRedis redis;
    static TestServer server;
    static RedisClient redisClient;
    static StatefulRedisConnection<String, String> connection;
    static HttpClient http;
    static Map<String, String> tokens;

    @BeforeContainer
    static void start() throws Exception {
        redis = new TestRedis();
        server = new TestServer(redis.url(), "jobwatch.watch.auth=token");
        redisClient = RedisClient.create(redis.url());
        connection = redisClient.connect();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        tokens = new TreeMap<>();
        for (String id : List.of("live", "done")) {
            JsonNode added = JSON.readTree(send(
                            "POST",
                            "/queues/" + NAMESPACE + "/jobs",
                            PRODUCER,
                            "application/json",
                            ("[{\"name\":\"n\",\"data\":{\"k\":1},\"id\":\"" + id + "\"}]")
                                    .getBytes(StandardCharsets.UTF_8),
                            Map.of())
                    .body());
            tokens.put(id, added.get(0).get("token").stringValue());
            tokens.put(id + "-watch", added.get(0).get("watch_token").stringValue());
        }
        String live = jobPath("live");
        expectOk(send("POST", live + "/start", tokens.get("live"), null, new byte[0], Map.of()));
        expectOk(send(
                "POST",
                live + "/logs",
                tokens.get("live"),
                "text/plain",
                "first row 日本".getBytes(StandardCharsets.UTF_8),
                Map.of()));
        expectOk(send(
                "POST",
                live + "/stream",
                tokens.get("live"),
                "text/plain",
                "chunk".getBytes(StandardCharsets.UTF_8),
                Map.of()));
        expectOk(send(
                "POST",
                live + "/progress",
                tokens.get("live"),
                "application/json",
                "42".getBytes(StandardCharsets.UTF_8),
                Map.of()));
        String done = jobPath("done");
        expectOk(send(
                "POST",
                done + "/logs",
                tokens.get("done"),
                "text/plain",
                "only row".getBytes(StandardCharsets.UTF_8),
                Map.of()));
        expectOk(send(
                "POST",
                done + "/complete",
                tokens.get("done"),
                "application/json",
                "{\"success\":true,\"result\":{\"x\":1}}".getBytes(StandardCharsets.UTF_8),
                Map.of()));
    }

    @AfterContainer
    static void stop() {
        connection.close();
        redisClient.shutdown();
        server.close();
        redis.close();
    }

    // ---------------------------------------------------------------- properties

    @Property(tries = 250)
    void hostileNamesAreRefusedOnEveryRoute(
            @ForAll("routes") Route route, @ForAll("names") String namespace, @ForAll("names") String id)
            throws Exception {
        boolean validNamespace = namespace.matches("[A-Za-z0-9._-]{3,100}");
        boolean valid = validNamespace && (route.suffix().isEmpty() || id.matches("[A-Za-z0-9._:-]{1,128}"));
        Assume.that(!valid);
        String path = route.path(segment(namespace), segment(id));
        byte[] body = route.method().equals("POST") ? route.validBody().getBytes(StandardCharsets.UTF_8) : new byte[0];

        Answer answer = unchanged(() -> send(route.method(), path, PRODUCER, route.contentType(), body, Map.of()));

        assertRefused(answer);
        if (answer.status() != 404) {
            assertThat(answer.status()).isEqualTo(400);
            assertThat(answer.body()).startsWith("Invalid ");
        }
    }

    @Property(tries = 250)
    void hostileQueriesAreRefusedOrAnsweredOnTheReadRoutes(
            @ForAll("readRoutes") String route,
            @ForAll("jobs") String job,
            @ForAll("queries") List<Map.Entry<String, String>> query,
            @ForAll("lastEventIds") String lastEventId)
            throws Exception {
        StringBuilder path = new StringBuilder(route.formatted(NAMESPACE, job)).append('?');
        for (Map.Entry<String, String> argument : query) {
            path.append(segment(argument.getKey()))
                    .append('=')
                    .append(segment(argument.getValue()))
                    .append('&');
        }
        String token = route.startsWith("/queues") ? PRODUCER : tokens.get(job + "-watch");
        Map<String, String> headers = lastEventId.isEmpty() ? Map.of() : Map.of("Last-Event-ID", lastEventId);

        Answer answer = unchanged(() -> send("GET", path.toString(), token, null, new byte[0], headers));

        if (answer.status() == 200) {
            assertThat(answer.body()).doesNotContainPattern(LEAK);
        } else {
            assertThat(answer.status()).isEqualTo(400);
            assertRefused(answer);
        }
    }

    @Property(tries = 300)
    void hostileBodiesChangeNothingOnACompletedJob(
            @ForAll("writeRoutes") Route route,
            @ForAll("bodies") byte[] body,
            @ForAll("contentTypes") String contentType)
            throws Exception {
        Assume.that(!route.suffix().isEmpty() || !couldAddJobs(body));
        String path = route.path(NAMESPACE, "done");
        String token = route.producer() ? PRODUCER : tokens.get("done");

        Answer answer = unchanged(() -> send("POST", path, token, contentType, body, Map.of()));

        assertRefused(answer);
    }

    @Property(tries = 200)
    void invalidBodiesAreRefusedBeforeTheyReachALiveJob(
            @ForAll("writeRoutes") Route route, @ForAll("invalidBodies") Invalid invalid) throws Exception {
        Assume.that(invalid.appliesTo(route));
        String path = route.path(NAMESPACE, "live");
        String token = route.producer() ? PRODUCER : tokens.get("live");

        Answer answer = unchanged(() -> send("POST", path, token, invalid.contentType(), invalid.body(), Map.of()));

        assertRefused(answer);
        assertThat(answer.status()).isIn(400, 413, 415);
    }

    @Property(tries = 200)
    void hostileTokensOpenNothing(
            @ForAll("routes") Route route, @ForAll("jobs") String job, @ForAll("credentials") Credential credential)
            throws Exception {
        Assume.that(!route.suffix().isEmpty());
        String path = route.path(NAMESPACE, job);
        byte[] body = route.validBody().getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = new TreeMap<>(credential.headers());
        if (credential.misused() != null) {
            headers.put("Authorization", "Bearer " + misused(credential.misused(), route, job));
        }
        String query = credential.query() == null
                ? ""
                : (path.contains("?") ? "&" : "?") + "token=" + segment(credential.query());

        Answer answer = unchanged(() -> send(route.method(), path + query, null, route.contentType(), body, headers));

        assertThat(answer.status()).isEqualTo(401);
        assertRefused(answer);
    }

    @Example
    void aHundredMegabyteBodyIsRefusedWithoutBeingReadWhole() throws Exception {
        long size = 100L * 1024 * 1024;
        for (boolean chunked : new boolean[] {true, false}) {
            HttpRequest.BodyPublisher stream = HttpRequest.BodyPublishers.ofInputStream(() -> new Filler(size));
            HttpRequest request = HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + server.port() + jobPath("live") + "/logs"))
                    .timeout(Duration.ofSeconds(60))
                    .header("Authorization", "Bearer " + tokens.get("live"))
                    .header("Content-Type", "text/plain")
                    .POST(chunked ? stream : HttpRequest.BodyPublishers.fromPublisher(stream, size))
                    .build();

            Answer answer = unchanged(() -> {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                return new Answer(response.statusCode(), response.body());
            });

            assertThat(answer)
                    .as(chunked ? "chunked" : "with Content-Length")
                    .isEqualTo(new Answer(413, "Log row is larger than the limit of 64 KiB"));
        }
    }

    @Example
    void jsonTheParserRefusesIsExplainedWithoutItsInternals() throws Exception {
        String progress = jobPath("live") + "/progress";
        Map<String, String> cases = Map.of(
                "1 2",
                "Progress is not valid JSON: send one JSON value, with nothing after it",
                nested(2_000),
                "Progress is nested deeper than 100 levels of arrays and objects");
        for (Map.Entry<String, String> json : cases.entrySet()) {
            Answer answer = unchanged(() -> send(
                    "POST",
                    progress,
                    tokens.get("live"),
                    "application/json",
                    json.getKey().getBytes(StandardCharsets.UTF_8),
                    Map.of()));
            assertThat(answer).isEqualTo(new Answer(400, json.getValue()));
        }
    }

    @Example
    void pathsThatAreNotValidPercentEncodingOrUtf8AreRefused() throws Exception {
        for (String path : List.of(
                "/queues/%zz%zz%zz/jobs",
                "/queues/" + NAMESPACE + "/jobs/%C3%28/start",
                "/queues/" + NAMESPACE + "/jobs/%/logs",
                "/api/w/" + NAMESPACE + "/jobs_u/getupdate/%FF%FE",
                "/api/w/" + NAMESPACE + "/jobs_u/getupdate/live?log_offset=%zz",
                "/queues/" + NAMESPACE + "/jobs/live/logs?start=%C3%28")) {
            String method =
                    path.endsWith("/jobs") || path.endsWith("/start") || path.endsWith("/logs") ? "POST" : "GET";
            Answer answer =
                    unchanged(() -> raw(method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                            + PRODUCER + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
            assertThat(answer.status()).as(path).isBetween(400, 499);
            assertThat(answer.body()).as(path).doesNotContainPattern(LEAK);
        }
    }

    // ---------------------------------------------------------------- generators

    /** A route, with its path from the namespace and id as they go on the wire (already encoded). */
    record Route(String method, String suffix, boolean producer, String contentType, String validBody) {

        String path(String namespace, String id) {
            if (suffix.isEmpty()) {
                return "/queues/" + namespace + "/jobs";
            }
            return suffix.replace("{q}", namespace).replace("{id}", id);
        }

        @Override
        public String toString() {
            return method + " " + (suffix.isEmpty() ? "/queues/{q}/jobs" : suffix);
        }
    }

    static final List<Route> WRITE_ROUTES = List.of(
            new Route("POST", "", true, "application/json", "[{\"name\":\"x\"}]"),
            new Route("POST", "/queues/{q}/jobs/{id}/start", false, null, ""),
            new Route("POST", "/queues/{q}/jobs/{id}/progress", false, "application/json", "50"),
            new Route("POST", "/queues/{q}/jobs/{id}/logs", false, "text/plain", "row"),
            new Route("POST", "/queues/{q}/jobs/{id}/stream", false, "text/plain", "chunk"),
            new Route("POST", "/queues/{q}/jobs/{id}/complete", false, "application/json", "{\"success\":true}"),
            new Route("POST", "/queues/{q}/jobs/{id}/cancel", true, "application/json", "{\"reason\":\"r\"}"));

    static final List<Route> READ_ROUTES = List.of(
            new Route("GET", "", true, null, ""),
            new Route("GET", "/queues/{q}/jobs/{id}", true, null, ""),
            new Route("GET", "/queues/{q}/jobs/{id}/logs", false, null, ""),
            new Route("GET", "/api/w/{q}/jobs_u/getupdate_sse/{id}", false, null, ""),
            new Route("GET", "/api/w/{q}/jobs_u/getupdate/{id}", false, null, ""),
            new Route("GET", "/api/w/{q}/jobs_u/get/{id}", false, null, ""));

    @Provide
    Arbitrary<Route> routes() {
        List<Route> all = new ArrayList<>(WRITE_ROUTES);
        all.addAll(READ_ROUTES);
        return Arbitraries.of(all);
    }

    @Provide
    Arbitrary<Route> writeRoutes() {
        return Arbitraries.of(WRITE_ROUTES);
    }

    @Provide
    Arbitrary<String> readRoutes() {
        // The listing takes the namespace alone; format() leaves the job unused there.
        return Arbitraries.of(
                "/queues/%s/jobs",
                "/queues/%s/jobs/%s/logs",
                "/api/w/%s/jobs_u/getupdate_sse/%s",
                "/api/w/%s/jobs_u/getupdate/%s",
                "/api/w/%s/jobs_u/get/%s");
    }

    @Provide
    Arbitrary<String> jobs() {
        return Arbitraries.of("live", "done");
    }

    @Provide
    Arbitrary<String> names() {
        return Arbitraries.oneOf(
                Arbitraries.strings().withCharRange('a', 'z').ofMinLength(3).ofMaxLength(12),
                Arbitraries.strings().all().ofMinLength(0).ofMaxLength(40),
                Arbitraries.strings()
                        .withChars("/\\.%?#&=+ :;@'\"<>{}[]|^`~$!*(),\u0000\n\r\t")
                        .ofMinLength(1)
                        .ofMaxLength(10),
                Arbitraries.strings().withCharRange('a', 'z').ofMinLength(101).ofMaxLength(300),
                Arbitraries.of(
                        ".",
                        "..",
                        "...",
                        "ab",
                        "a",
                        "%2F",
                        "../../etc",
                        "job\u0000id",
                        "日本語のキュー",
                        "😀😀😀",
                        "ns with space",
                        "CON",
                        "null",
                        "undefined",
                        "{{id}}",
                        "${jndi:ldap://x}",
                        "'; DROP TABLE jobs; --",
                        "x".repeat(129),
                        "y".repeat(100),
                        "z".repeat(128)));
    }

    @Provide
    Arbitrary<List<Map.Entry<String, String>>> queries() {
        Arbitrary<String> names = Arbitraries.of(
                "running",
                "log_offset",
                "stream_offset",
                "get_progress",
                "only_result",
                "no_logs",
                "start",
                "length",
                "limit",
                "token",
                "unknown",
                "log_offset[]",
                "");
        Arbitrary<String> values = Arbitraries.oneOf(
                Arbitraries.longs().map(String::valueOf),
                Arbitraries.integers().between(-5, 200).map(String::valueOf),
                Arbitraries.doubles().map(String::valueOf),
                Arbitraries.bigIntegers()
                        .between(
                                new java.math.BigInteger("-1" + "0".repeat(30)),
                                new java.math.BigInteger("1" + "0".repeat(30)))
                        .map(String::valueOf),
                Arbitraries.of(
                        "",
                        "true",
                        "false",
                        "TRUE",
                        "yes",
                        "no",
                        "1",
                        "0",
                        "-0",
                        "+1",
                        "0x10",
                        "1e3",
                        "NaN",
                        "Infinity",
                        "1.5",
                        "٣",
                        "１",
                        " 1",
                        "1 ",
                        "9223372036854775807",
                        "9223372036854775808",
                        "-9223372036854775808",
                        "00000000000000000000001"),
                Arbitraries.strings().all().ofMaxLength(20));
        return Combinators.combine(names, values).as(Map::entry).list().ofMaxSize(6);
    }

    @Provide
    Arbitrary<String> lastEventIds() {
        return Arbitraries.oneOf(
                Arbitraries.just(""),
                Arbitraries.of(
                        "1:0:0",
                        "-1:0:0",
                        "0:0:0",
                        "9223372036854775807:9223372036854775807:1",
                        "x:y:z",
                        "1:1",
                        "1:0:2",
                        ":::",
                        "1.5:0:0"),
                Arbitraries.strings().withChars("0123456789:-.ax ").ofMaxLength(30));
    }

    @Provide
    Arbitrary<String> contentTypes() {
        return Arbitraries.of(
                "application/json",
                "text/plain",
                "text/plain; charset=UTF-8",
                "text/plain; charset=ISO-8859-1",
                "text/plain; charset=UTF-16",
                "text/plain; charset=nope",
                "text/plain; charset=\"\"",
                "text/plain; charset=x\u00e9",
                "application/json; charset=utf-16",
                "application/vnd.api+json",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
                "application/octet-stream",
                "*/*",
                "text/*",
                "foo",
                "/",
                "text/",
                "json",
                ";",
                "application/json;;",
                "application/json; q=x=y",
                "text/event-stream",
                "a".repeat(2000));
    }

    @Provide
    Arbitrary<byte[]> bodies() {
        return Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(200),
                Arbitraries.strings().all().ofMaxLength(200).map(s -> s.getBytes(StandardCharsets.UTF_8)),
                jsonValues().map(s -> s.getBytes(StandardCharsets.UTF_8)),
                Arbitraries.integers()
                        .between(1, 20_000)
                        .map(depth -> nested(depth).getBytes(StandardCharsets.UTF_8)),
                Arbitraries.of(64 * 1024 + 1, 1024 * 1024 + 1, 16 * 1024 * 1024 + 1)
                        .map(size -> oversize(size)));
    }

    static Arbitrary<String> jsonValues() {
        return Arbitraries.of(
                "null",
                "true",
                "0",
                "-1",
                "1e309",
                "\"\"",
                "\"row\"",
                "[]",
                "{}",
                "[{}]",
                "[{\"id\":\"done\"}]",
                "{\"success\":true}",
                "{\"success\":\"true\"}",
                "{\"success\":true,\"result\":",
                "{\"reason\":7}",
                "{\"reason\":\"r\",\"canceled_by\":[]}",
                "[{\"id\":\"a\"},{\"id\":\"a\"}]",
                "[{\"id\":\"a b\"}]",
                "[{\"opts\":{\"jobId\":5}}]",
                "[{\"name\":1}]",
                "[{\"colour\":1}]",
                "\"\\ud800\"",
                "{\"a\":1,\"a\":2}",
                "1 2",
                "[1,]",
                "{'a':1}",
                "NaN",
                "\u0000",
                "\"\\u0000\"",
                "\uFEFF{}",
                "[" + "1,".repeat(5000) + "1]");
    }

    /** JSON nested {@code depth} deep, alternating arrays and objects. */
    static String nested(int depth) {
        StringBuilder json = new StringBuilder(depth * 8);
        for (int i = 0; i < depth; i++) {
            json.append(i % 2 == 0 ? "[" : "{\"a\":");
        }
        json.append('1');
        for (int i = depth - 1; i >= 0; i--) {
            json.append(i % 2 == 0 ? "]" : "}");
        }
        return json.toString();
    }

    static byte[] oversize(int size) {
        byte[] body = new byte[size];
        Arrays.fill(body, (byte) '7');
        return body;
    }

    /** A body that a route must refuse, whatever the job's state. */
    record Invalid(String contentType, byte[] body, List<String> routes) {

        boolean appliesTo(Route route) {
            return routes.stream().anyMatch(route.suffix()::endsWith)
                    && !route.suffix().isEmpty();
        }

        @Override
        public String toString() {
            return contentType + " "
                    + (body.length > 80 ? body.length + " bytes" : new String(body, StandardCharsets.UTF_8));
        }
    }

    @Provide
    Arbitrary<Invalid> invalidBodies() {
        List<String> text = List.of("/logs", "/stream");
        List<String> json = List.of("/progress", "/complete", "/cancel");
        List<String> all = List.of("/progress", "/logs", "/stream", "/complete", "/cancel");
        Arbitrary<byte[]> badUtf8 = Arbitraries.bytes()
                .array(byte[].class)
                .ofMaxSize(50)
                .map(bytes -> {
                    byte[] withBad = Arrays.copyOf(bytes, bytes.length + 1);
                    withBad[bytes.length] = (byte) 0xFF;
                    return withBad;
                });
        return Arbitraries.oneOf(
                badUtf8.map(body -> new Invalid("text/plain", body, text)),
                badUtf8.map(body -> new Invalid("application/json", body, all)),
                Arbitraries.strings()
                        .all()
                        .ofMaxLength(50)
                        .map(s -> new Invalid("application/json", ("{" + s).getBytes(StandardCharsets.UTF_8), all)),
                Arbitraries.integers()
                        .between(1001, 20_000)
                        .map(depth ->
                                new Invalid("application/json", nested(depth).getBytes(StandardCharsets.UTF_8), json)),
                Arbitraries.of("application/xml", "image/png", "foo", "text/plain; charset=nope", "multipart/form-data")
                        .map(type -> new Invalid(type, "{\"success\":true}".getBytes(StandardCharsets.UTF_8), all)),
                Arbitraries.of(64 * 1024 + 1, 1024 * 1024 + 1)
                        .map(size -> new Invalid("text/plain", oversize(size), List.of("/logs", "/stream"))),
                Arbitraries.of(16 * 1024 + 1)
                        .map(size -> new Invalid("application/json", oversize(size), List.of("/progress", "/cancel"))),
                Arbitraries.of(1024 * 1024 + 1)
                        .map(size -> new Invalid("application/json", oversize(size), List.of("/complete"))));
    }

    /**
     * What a request claims to be: headers, and maybe a {@code token} query argument; or a real token
     * used where it does not belong ({@code misused}: another job's, or this job's of the other purpose).
     */
    record Credential(Map<String, String> headers, String query, String misused) {}

    /** A genuine token that must not open this route: another job's, or this job's token of the wrong kind. */
    static String misused(String how, Route route, String job) {
        String other = job.equals("live") ? "done" : "live";
        boolean watcherRoute = route.suffix().startsWith("/api/w/");
        return switch (how) {
            case "other-job" -> tokens.get(other + (watcherRoute ? "-watch" : ""));
            case "other-job-watch" -> tokens.get(other + "-watch");
            default -> watcherRoute ? tokens.get(job) : tokens.get(job + "-watch");
        };
    }

    @Provide
    Arbitrary<Credential> credentials() {
        Arbitrary<String> junk = Arbitraries.oneOf(
                Arbitraries.strings().withCharRange('!', '~').ofMaxLength(60),
                Arbitraries.of(
                        "",
                        "null",
                        "undefined",
                        "Bearer",
                        "producer-token-1%20",
                        "producer-token-",
                        "PRODUCER-TOKEN-1",
                        "producer-token-1x",
                        "9999999999.",
                        "1.abc",
                        ".",
                        "0." + "A".repeat(43),
                        "A".repeat(43),
                        "99999999999999999999.x",
                        "a".repeat(3000)));
        return Arbitraries.oneOf(
                junk.map(token -> new Credential(Map.of("Authorization", "Bearer " + token), null, null)),
                junk.map(token -> new Credential(Map.of("Authorization", "Basic " + token), null, null)),
                junk.map(token -> new Credential(Map.of("Cookie", "token=" + token), null, null)),
                junk.map(token -> new Credential(Map.of(), token, null)),
                Arbitraries.of("other-job", "other-job-watch", "other-purpose")
                        .map(how -> new Credential(Map.of(), null, how)));
    }

    // ---------------------------------------------------------------- checks

    /** Could this body, sent to the add route, add a job? Such bodies are left out: adding is not refusing. */
    static boolean couldAddJobs(byte[] body) {
        try {
            JsonNode node = JSON.readTree(body);
            return node != null
                    && node.isArray()
                    && !node.isEmpty()
                    && !node.toString().contains("\"done\"");
        } catch (RuntimeException e) {
            return false;
        }
    }

    static void assertRefused(Answer answer) {
        assertThat(answer.status()).as("status of %s", answer).isBetween(400, 499);
        assertThat(answer.body()).as("body of %s", answer).doesNotContainPattern(LEAK);
        Pattern expected = MESSAGES.get(answer.status());
        assertThat(expected).as("a documented status: %s", answer).isNotNull();
        assertThat(answer.body()).as("a documented message: %s", answer).matches(expected);
    }

    record Answer(int status, String body) {}

    record Snapshot(Map<String, String> dumps, Map<String, Long> ttls) {}

    interface Request {
        Answer send() throws Exception;
    }

    /** Sends the request and checks that Redis holds the same keys with the same bytes, and no longer expiry. */
    static Answer unchanged(Request request) throws Exception {
        Snapshot before = snapshot();
        Answer answer = request.send();
        Snapshot after = snapshot();
        assertThat(after.dumps()).as("Redis after %s", answer).isEqualTo(before.dumps());
        after.ttls().forEach((key, ttl) -> {
            long was = before.ttls().get(key);
            assertThat(ttl < 0 ? ttl : Long.valueOf(Math.min(ttl, was)))
                    .as("expiry of %s after %s: not pushed back", key, answer)
                    .isEqualTo(ttl < 0 ? was : ttl);
        });
        return answer;
    }

    static Snapshot snapshot() {
        RedisCommands<String, String> redis = connection.sync();
        Map<String, String> dumps = new TreeMap<>();
        Map<String, Long> ttls = new TreeMap<>();
        for (String key : redis.keys("*")) {
            byte[] dump = redis.dump(key);
            dumps.put(key, dump == null ? "gone" : HexFormat.of().formatHex(dump));
            ttls.put(key, redis.pttl(key));
        }
        return new Snapshot(dumps, ttls);
    }

    static String jobPath(String id) {
        return "/queues/" + NAMESPACE + "/jobs/" + id;
    }

    static void expectOk(Answer answer) {
        assertThat(answer.status()).as("setup: %s", answer).isEqualTo(200);
    }

    /** Sends one request; an SSE answer is read only up to its first event, then the connection is left. */
    static Answer send(
            String method, String path, String bearer, String contentType, byte[] body, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(30))
                .method(
                        method,
                        body.length == 0 && method.equals("GET")
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body));
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        headers.forEach(request::header);
        HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = response.body()) {
            boolean sse =
                    response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream");
            byte[] read = sse ? SseClient.rawEvent(in) : in.readAllBytes();
            return new Answer(response.statusCode(), new String(read, StandardCharsets.UTF_8));
        }
    }

    /** One request written as is on a socket, for what no HTTP client library lets through. */
    static Answer raw(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = Integer.parseInt(response.substring(9, 12));
            int bodyStart = response.indexOf("\r\n\r\n");
            return new Answer(status, bodyStart < 0 ? "" : response.substring(bodyStart + 4));
        }
    }

    /** {@code size} bytes of text made as they are read, so that a huge body never sits in the test's heap. */
    static final class Filler extends InputStream {

        private long left;

        Filler(long size) {
            this.left = size;
        }

        @Override
        public int read() {
            if (left <= 0) {
                return -1;
            }
            left--;
            return 'x';
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (left <= 0) {
                return -1;
            }
            int n = (int) Math.min(length, left);
            Arrays.fill(buffer, offset, offset + n, (byte) 'x');
            left -= n;
            return n;
        }
    }

    /** A path segment or query part, percent-encoded byte by byte, dots too, so no dot-segment reaches the server unencoded. */
    static String segment(String text) {
        StringBuilder encoded = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
                encoded.append((char) c);
            } else {
                encoded.append('%').append(HexFormat.of().withUpperCase().toHexDigits((byte) c));
            }
        }
        return encoded.toString();
    }
}
