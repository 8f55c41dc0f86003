package dev.jobwatch.harness;

import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * The server's HTTP routes other than watching, and the watch URI: jobwatch's (jobs in one namespace, rows as
 * log lines with each job's token) or nchan's (a channel per id, rows published to it, no setup).
 */
final class Api {

    private static final Pattern TOKEN = Pattern.compile("\"token\":\"([^\"]+)\"");

    private final HttpClient client;
    private final boolean nchan;
    private final String base;
    private final String ns;
    private final String producer;

    /** How many rows a paced writer wrote, and how many writes failed. */
    record Writes(long ok, long errors) {}

    Api(HttpClient client, boolean nchan, String base, String ns, String producer) {
        this.client = client;
        this.nchan = nchan;
        this.base = base;
        this.ns = ns;
        this.producer = producer;
    }

    boolean ready() {
        String path = nchan ? "/nchan_stub_status" : "/actuator/health/readiness";
        Integer status = client.get()
                .uri(base + path)
                .responseSingle((r, b) -> Mono.just(r.status().code()))
                .timeout(Duration.ofSeconds(5))
                .onErrorResume(e -> Mono.just(0))
                .block();
        return status != null && status == 200;
    }

    /** Adds jobs (jobwatch) with those ids and gives back their job tokens; nchan channels need no setup. */
    List<String> addJobs(List<String> ids) {
        if (nchan) {
            return ids;
        }
        List<String> tokens = new ArrayList<>();
        for (int from = 0; from < ids.size(); from += 1000) {
            StringBuilder body = new StringBuilder("[");
            for (int i = from; i < Math.min(ids.size(), from + 1000); i++) {
                body.append(i > from ? "," : "")
                        .append("{\"name\":\"bench\",\"id\":\"")
                        .append(ids.get(i))
                        .append("\"}");
            }
            body.append(']');
            String answer = client.headers(
                            h -> h.set("Authorization", "Bearer " + producer).set("Content-Type", "application/json"))
                    .post()
                    .uri(base + "/queues/" + ns + "/jobs")
                    .send(Mono.just(Unpooled.wrappedBuffer(body.toString().getBytes(StandardCharsets.UTF_8))))
                    .responseSingle((r, b) -> b.asString().map(s -> r.status().code() + " " + s))
                    .block(Duration.ofSeconds(30));
            if (answer == null || !answer.startsWith("200")) {
                throw new IllegalStateException("adding jobs: " + answer);
            }
            Matcher m = TOKEN.matcher(answer);
            while (m.find()) {
                tokens.add(m.group(1));
            }
        }
        return tokens;
    }

    String watchUri(String id) {
        return base + (nchan ? "/sub/" + id : "/api/w/" + ns + "/jobs_u/getupdate_sse/" + id + "?running=false");
    }

    List<String> watchUris(List<String> ids) {
        return ids.stream().map(this::watchUri).toList();
    }

    /** Writes one row to the job (jobwatch) or channel (nchan); gives the status. */
    Mono<Integer> write(String id, String token, String row) {
        HttpClient c = nchan
                ? client.headers(h -> h.set("Content-Type", "text/plain"))
                : client.headers(h -> h.set("Authorization", "Bearer " + token).set("Content-Type", "text/plain"));
        return c.post()
                .uri(base + writePath(id))
                .send(Mono.just(Unpooled.wrappedBuffer(row.getBytes(StandardCharsets.UTF_8))))
                .responseSingle((r, b) -> b.then(Mono.just(r.status().code())));
    }

    /** Where a row of that job is POSTed: jobwatch's worker log route, or nchan's publisher. */
    String writePath(String id) {
        return nchan ? "/pub/" + id : "/queues/" + ns + "/jobs/" + id + "/logs";
    }

    /** The bearer token a job's writes carry (its job token), or null for nchan, whose publisher takes none. */
    String writeToken(String token) {
        return nchan ? null : token;
    }

    String base() {
        return base;
    }

    static boolean written(int status) {
        return status == 200 || status == 201 || status == 202;
    }

    /** Writes rows {@code ts=<epoch micros> row <i>} at that rate for that many seconds. */
    Writes writeFor(String id, String token, int rate, int seconds) {
        LongAdder ok = new LongAdder();
        LongAdder bad = new LongAdder();
        long periodNanos = 1_000_000_000L / rate;
        Flux.interval(Duration.ofNanos(periodNanos))
                .take((long) rate * seconds)
                .onBackpressureDrop()
                .flatMap(
                        i -> write(id, token, "ts=" + Time.epochMicros() + " row " + i)
                                .doOnNext(code -> (written(code) ? ok : bad).increment())
                                .onErrorResume(e -> {
                                    bad.increment();
                                    return Mono.empty();
                                }),
                        256)
                .blockLast(Duration.ofSeconds(seconds + 60L));
        return new Writes(ok.sum(), bad.sum());
    }

    /** POSTs to one of a job's worker routes (start, progress, stream, complete) with its token; gives the status. */
    Integer post(String id, String token, String route, String type, String body) {
        return client.headers(x -> x.set("Authorization", "Bearer " + token).set("Content-Type", type))
                .post()
                .uri(base + "/queues/" + ns + "/jobs/" + id + "/" + route)
                .send(Mono.just(Unpooled.wrappedBuffer(body.getBytes(StandardCharsets.UTF_8))))
                .responseSingle((r, b) -> b.then(Mono.just(r.status().code())))
                .block(Duration.ofSeconds(30));
    }

    /** The server's Prometheus page, or "" when it does not answer. */
    String prometheus() {
        String text = client.get()
                .uri(base + "/actuator/prometheus")
                .responseSingle((r, b) -> b.asString())
                .onErrorResume(e -> Mono.just(""))
                .block(Duration.ofSeconds(10));
        return text == null ? "" : text;
    }

    /** One metric's first value, or "?". */
    String metric(String name) {
        Matcher m =
                Pattern.compile("(?m)^" + name + "(\\{[^}]*\\})? ([0-9.eE+]+)$").matcher(prometheus());
        return m.find() ? m.group(2) : "?";
    }
}
