package dev.jobwatch.load;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One watcher's view of one job across all its connections, checked event by event against what the job
 * must hold, as Windmill's client follows a job: it starts at {@code log_offset=0}, appends each
 * update's {@code new_logs}, keeps the last {@code log_offset}, and on {@code timeout} reconnects with
 * its offsets (query arguments, as Windmill's client does, or {@code Last-Event-ID}, as a browser's
 * {@code EventSource} does).
 *
 * <p>Checked for every update: {@code new_logs} is exactly the next part of the expected log (nothing
 * lost, repeated or out of order); {@code log_offset} and the {@code id:} both equal what was heard so far
 * + 1; the first update of each connection is at the offset the watcher asked for; progress never goes
 * back; nothing but pings (see {@link #held}) follows {@code completed} or {@code timeout} before the
 * watcher closes the stream; no {@code notfound} or {@code error}. At the end: {@code completed: true}
 * with {@code log_offset} = the job's whole log length + 1, the whole log heard, and the {@code job}
 * carrying {@code CompletedJob}, success, the writer's result and progress 100.
 *
 * <p>A watcher belongs to one Gatling virtual user (it lives in that user's session), which hands it its
 * stream's events one at a time, in the order they came: each from the check Gatling ran on it, or from
 * the messages Gatling held back while no check was waiting.
 */
final class Watch {

    /** How a watcher resumes after {@code timeout}. */
    enum Resume {
        /** {@code ?running=..&log_offset=..&stream_offset=..}, as Windmill's client reconnects. */
        QUERY,
        /** {@code Last-Event-ID: <id>} with the first connection's query, as a browser's EventSource reconnects. */
        HEADER;

        static Resume of(String mode, long index) {
            return switch (mode) {
                case "query" -> QUERY;
                case "header" -> HEADER;
                case "mixed" -> index % 2 == 0 ? QUERY : HEADER;
                default -> throw new IllegalArgumentException("-Dresume must be query, header or mixed, not " + mode);
            };
        }
    }

    /** Totals over all watchers of a run, printed at its end. */
    static final class Totals {
        final LongAdder connections = new LongAdder();
        final LongAdder timeouts = new LongAdder();
        final LongAdder updates = new LongAdder();
        final LongAdder pings = new LongAdder();
        /** Events other than pings that Gatling held back because no check was waiting when they came. */
        final LongAdder heldEvents = new LongAdder();

        final LongAdder verified = new LongAdder();
        final AtomicInteger mostConnections = new AtomicInteger();
        final AtomicInteger fewestTimeouts = new AtomicInteger(Integer.MAX_VALUE);
        final List<String> problems = new ArrayList<>();
        /** Per job: when its writer sent complete (System.nanoTime). */
        final Map<String, Long> completeSent = new ConcurrentHashMap<>();
        /** Per watcher: milliseconds from its job's complete call to the end of its last stream. */
        final Queue<Double> completionLags = new ConcurrentLinkedQueue<>();
        /** Per writer: rows per second it achieved, start to last row. */
        final Queue<Double> writeRates = new ConcurrentLinkedQueue<>();

        void heardCompleted(String job, long at) {
            Long sent = completeSent.get(job);
            if (sent != null) {
                completionLags.add((at - sent) / 1e6);
            }
        }

        synchronized void problem(String problem) {
            if (problems.size() < 20) {
                problems.add(problem);
            }
        }

        private static String percentile(List<Double> sorted, int p) {
            int index = p == 0 ? 0 : (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
            return String.format("%.0f", sorted.get(Math.max(0, Math.min(sorted.size() - 1, index))));
        }

        String summary(int watchers) {
            StringBuilder text = new StringBuilder()
                    .append("watchers verified: ")
                    .append(verified.sum())
                    .append('/')
                    .append(watchers)
                    .append(", connections: ")
                    .append(connections.sum())
                    .append(" (most by one watcher: ")
                    .append(mostConnections.get())
                    .append(')')
                    .append(", timeouts: ")
                    .append(timeouts.sum())
                    .append(" (fewest for one watcher: ")
                    .append(fewestTimeouts.get() == Integer.MAX_VALUE ? 0 : fewestTimeouts.get())
                    .append(')')
                    .append(", updates: ")
                    .append(updates.sum())
                    .append(", pings: ")
                    .append(pings.sum())
                    .append(", other events held back by Gatling (checked, no report entry): ")
                    .append(heldEvents.sum());
            List<Double> lags = new ArrayList<>(completionLags);
            if (!lags.isEmpty()) {
                Collections.sort(lags);
                text.append("\n  completed heard after the complete call, as the watcher's check saw it")
                        .append(" (ms, over watchers): min ")
                        .append(percentile(lags, 0))
                        .append(", p50 ")
                        .append(percentile(lags, 50))
                        .append(", p99 ")
                        .append(percentile(lags, 99))
                        .append(", max ")
                        .append(percentile(lags, 100));
            }
            List<Double> rates = new ArrayList<>(writeRates);
            if (!rates.isEmpty()) {
                Collections.sort(rates);
                text.append("\n  writers' achieved rows/s: min ")
                        .append(String.format("%.1f", rates.get(0)))
                        .append(", max ")
                        .append(String.format("%.1f", rates.get(rates.size() - 1)));
            }
            synchronized (this) {
                for (String problem : problems) {
                    text.append("\n  problem: ").append(problem);
                }
            }
            return text.toString();
        }
    }

    static final String OK = "ok";

    private final Setup.Job job;
    private final String expected;
    private final long expectedPoints;
    private final JsonNode expectedResult;
    private final Resume resume;
    private final int maxConnections;
    private final int minTimeouts;
    private final Totals totals;

    private int charPos;
    private long pointPos;
    private long logOffset;
    private long streamOffset;
    private boolean running;
    private String lastId;
    private long lastProgress = Long.MIN_VALUE;
    private int connections;
    private int connectionUpdates;
    /** What ended the current connection ({@code completed} or {@code timeout}); null while it runs. */
    private String ended;

    private int timeouts;
    private boolean completed;
    private String problem;

    Watch(
            Setup.Job job,
            String expectedLog,
            JsonNode expectedResult,
            Resume resume,
            int maxConnections,
            int minTimeouts,
            Totals totals) {
        this.job = job;
        this.expected = expectedLog;
        this.expectedPoints = expectedLog.codePointCount(0, expectedLog.length());
        this.expectedResult = expectedResult;
        this.resume = resume;
        this.maxConnections = maxConnections;
        this.minTimeouts = minTimeouts;
        this.totals = totals;
    }

    Setup.Job job() {
        return job;
    }

    /** Whether to stop connecting: the job completed, or something was wrong. */
    boolean finished() {
        return completed || problem != null;
    }

    boolean resumesByHeader() {
        return resume == Resume.HEADER && lastId != null;
    }

    /** The Last-Event-ID a browser would send: the id of the last update heard. */
    String lastEventId() {
        return lastId;
    }

    /** The stream's path and query for the next connection. */
    String streamPath() {
        String path = "/api/w/" + job.namespace() + "/jobs_u/getupdate_sse/" + job.id() + "?get_progress=true";
        if (resume == Resume.HEADER) {
            // EventSource reconnects to the same URL; the header carries the offsets.
            return path + "&running=false&log_offset=0";
        }
        return path + "&running=" + running + "&log_offset=" + logOffset + "&stream_offset=" + streamOffset;
    }

    /** The poll that confirms, after the stream, the server's view equals this watcher's. */
    String pollPath() {
        return "/api/w/" + job.namespace() + "/jobs_u/getupdate/" + job.id() + "?running=true&log_offset=" + logOffset
                + "&stream_offset=" + streamOffset;
    }

    /** Starts a connection: from here on, events belong to it until it ends with completed or timeout. */
    void connecting() {
        connections++;
        totals.connections.increment();
        totals.mostConnections.accumulateAndGet(connections, Math::max);
        connectionUpdates = 0;
        ended = null;
    }

    /** Whether the current connection is still to be followed: it has not ended, and nothing was wrong. */
    boolean streaming() {
        return ended == null && problem == null;
    }

    /**
     * Whether {@code message}, as Gatling's SSE support hands it over, is a ping, which no check waits for:
     * its data starts with the type the server writes first, whatever fields may follow.
     */
    static boolean isPing(String message) {
        return message.contains("\"data\":{\"type\":\"ping\"");
    }

    /**
     * Takes one event of the current connection, as Gatling's SSE support renders it
     * ({@code {"id":"..","data":{..}}}); answers {@link #OK}, or what was wrong.
     */
    String event(String message) {
        if (problem != null) {
            return problem;
        }
        String wrong = apply(message);
        return wrong == null ? OK : fail(wrong);
    }

    /**
     * Takes the events Gatling held back because no check was waiting for them when they came, in the order
     * they came: pings, and an event that came in the same read as the one before, before the next check
     * was set. Pings are only counted: Gatling also holds back those that come while a check waits, and
     * hands them over after the event that check saw, so their place among the other events is lost.
     */
    void held(List<String> messages) {
        for (String message : messages) {
            if (isPing(message)) {
                totals.pings.increment();
            } else if (problem == null) {
                totals.heldEvents.increment();
                event(message);
            }
        }
    }

    /** Checks, once the client closed the connection, that it ended as a stream must. */
    void closed() {
        if (problem != null) {
            return;
        }
        if (ended == null) {
            fail("connection " + connections + " ended without completed or timeout");
        } else if (!completed && connections >= maxConnections) {
            fail("still not completed after " + connections + " connections (-DmaxConnections)");
        }
    }

    /** Records that Gatling failed this watcher's stream or a check on it (a status, a timeout): it stops. */
    void failed(String what) {
        if (problem == null) {
            fail(what);
        }
    }

    /** Checks the final poll's answer and the watcher's totals; answers {@link #OK}, or what was wrong. */
    String verify(String body) {
        if (problem != null) {
            return problem;
        }
        if (!completed) {
            return fail("never heard completed");
        }
        if (timeouts < minTimeouts) {
            return fail(
                    "heard " + timeouts + " timeouts, at least " + minTimeouts + " expected: start the server with a"
                            + " short JOBWATCH_WATCH_LIFETIME (e.g. 5s) and pass it as -Dlifetime");
        }
        JsonNode poll;
        try {
            poll = Setup.JSON.readTree(body);
        } catch (IOException e) {
            return fail("the poll answered no JSON: " + clip(body));
        }
        if (!poll.path("completed").asBoolean(false)
                || poll.path("log_offset").asLong(-1) != expectedPoints + 1
                || !poll.path("new_logs").asText("").isEmpty()) {
            return fail("the poll at log_offset " + logOffset + " answered " + clip(body) + ", expected completed with"
                    + " log_offset " + (expectedPoints + 1) + " and no new logs");
        }
        totals.verified.increment();
        totals.fewestTimeouts.accumulateAndGet(timeouts, Math::min);
        return OK;
    }

    private String fail(String what) {
        problem = job.id() + ": " + what;
        totals.problem(problem);
        return problem;
    }

    /** Applies one event; answers null, or what was wrong with it. */
    private String apply(String message) {
        if (ended != null) {
            return "an event after " + ended + " on connection " + connections + ": " + clip(message);
        }
        JsonNode event;
        String id;
        try {
            JsonNode rendered = Setup.JSON.readTree(message);
            id = rendered.path("id").isTextual() ? rendered.get("id").asText() : null;
            JsonNode data = rendered.path("data");
            // Gatling embeds a data line that looks like JSON as is, and quotes any other.
            event = data.isTextual() ? Setup.JSON.readTree(data.asText()) : data;
        } catch (IOException e) {
            return "event data is not JSON: " + clip(message) + " (connection " + connections + ")";
        }
        String type = event.path("type").asText("");
        switch (type) {
            case "update" -> {
                totals.updates.increment();
                String wrong = update(event, id, connectionUpdates == 0);
                connectionUpdates++;
                if (wrong != null) {
                    return wrong + " (connection " + connections + ", update " + connectionUpdates + ": "
                            + clip(message) + ")";
                }
                if (completed) {
                    ended = "completed";
                }
            }
            case "timeout" -> {
                timeouts++;
                totals.timeouts.increment();
                ended = "timeout";
            }
            default -> {
                return "unexpected event " + clip(message) + " (connection " + connections + ")";
            }
        }
        return null;
    }

    /** Applies one update; answers null, or what was wrong with it. */
    private String update(JsonNode update, String id, boolean first) {
        if (first && !(update.has("completed") && update.has("log_offset") && update.has("stream_offset"))) {
            return "the first update of a connection lacks completed, log_offset or stream_offset";
        }
        if (update.path("running").asBoolean(false)) {
            if (running) {
                return "running sent to a watcher that said it knew";
            }
            running = true;
        }
        JsonNode newLogs = update.get("new_logs");
        if (newLogs != null) {
            String text = newLogs.asText();
            if (!expected.startsWith(text, charPos)) {
                return "new_logs at code point " + pointPos + " is " + clip(text) + " but the log there is "
                        + clip(expected.substring(
                                charPos, Math.min(expected.length(), charPos + Math.max(40, text.length()))));
            }
            charPos += text.length();
            pointPos += text.codePointCount(0, text.length());
        }
        JsonNode offset = update.get("log_offset");
        if (offset != null) {
            if (offset.asLong() != pointPos + 1) {
                return "log_offset " + offset.asLong() + " but " + pointPos + " code points heard (expected "
                        + (pointPos + 1) + ")";
            }
            logOffset = offset.asLong();
        }
        if (update.has("stream_offset")) {
            streamOffset = update.path("stream_offset").asLong();
        }
        if (id == null) {
            return "update without id";
        }
        String wantId = (pointPos + 1) + ":" + streamOffset + ":" + (running ? 1 : 0);
        if (!id.equals(wantId)) {
            return "id " + id + " but expected " + wantId;
        }
        lastId = id;
        JsonNode progress = update.get("progress");
        if (progress != null) {
            if (!progress.isNumber() || progress.asLong() < lastProgress) {
                return "progress " + progress + " after " + lastProgress;
            }
            lastProgress = progress.asLong();
        }
        if (update.path("completed").asBoolean(false)) {
            completed = true;
            totals.heardCompleted(job.id(), System.nanoTime());
            if (charPos != expected.length()) {
                return "completed after " + pointPos + " code points of " + expectedPoints;
            }
            if (logOffset != expectedPoints + 1) {
                return "completed with log_offset " + logOffset + ", expected " + (expectedPoints + 1);
            }
            JsonNode done = update.path("job");
            if (!"CompletedJob".equals(done.path("type").asText())
                    || !done.path("success").asBoolean(false)
                    || !expectedResult.equals(done.path("result"))
                    || done.path("progress").asLong(-1) != 100
                    || !job.id().equals(done.path("id").asText())) {
                return "the completed job is not " + job.id() + " CompletedJob, success, result " + expectedResult
                        + ", progress 100";
            }
            if (done.has("logs")) {
                return "the completed update's job carries logs";
            }
        }
        return null;
    }

    static String clip(String text) {
        if (text == null) {
            return "null";
        }
        String flat = text.replace("\n", "\\n");
        return flat.length() <= 160 ? flat : flat.substring(0, 160) + "...(" + flat.length() + " chars)";
    }
}
