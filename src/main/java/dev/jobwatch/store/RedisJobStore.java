package dev.jobwatch.store;

import dev.jobwatch.config.RetentionProperties;
import dev.jobwatch.job.Credential;
import dev.jobwatch.job.IdempotencyKey;
import dev.jobwatch.job.Job;
import dev.jobwatch.job.JobExistsException;
import dev.jobwatch.job.JobNotFoundException;
import dev.jobwatch.job.JobNotHeldException;
import dev.jobwatch.job.JobRef;
import dev.jobwatch.job.JobState;
import dev.jobwatch.job.LogMarker;
import dev.jobwatch.job.LogRows;
import dev.jobwatch.job.NewJob;
import io.lettuce.core.KeyValue;
import io.lettuce.core.ScriptOutputType;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** jobwatch's own jobs on Redis; the layout is in {@code docs/redis-layout.md}. */
public final class RedisJobStore implements JobReads, JobWrites, JobQueue {

    private static final Logger log = LoggerFactory.getLogger(RedisJobStore.class);
    /** Job reads in flight for one listing; each job may live on another cluster node. */
    private static final int RECENT_READS = 16;
    /** Random bytes of an incarnation: 96 bits, so two jobs that share an id never share one. */
    private static final int INCARNATION_BYTES = 12;
    /**
     * Most rows (or chunks) one read script call returns, as many as BullMQ's reads walk a call: each
     * call then holds Redis a moment, whatever the job holds, and a longer read takes more calls.
     */
    static final int SLICE_ROWS = 1_000;
    /** About the most bytes one read script call returns; a longer row or chunk comes whole, alone. */
    static final int SLICE_BYTES = 32 * 1024;

    private final RedisCalls redis;
    private final String prefix;
    private final long idleTtl;
    private final long completedTtl;
    private final long logCap;
    private final Clock clock;
    private final String publish;
    private final SecureRandom incarnations = seededAtStart();
    private final LuaScript addScript = LuaScript.load("add");
    private final LuaScript startScript = LuaScript.load("start");
    private final LuaScript progressScript = LuaScript.load("progress");
    private final LuaScript logScript = LuaScript.load("log");
    private final LuaScript chunkScript = LuaScript.load("chunk");
    private final LuaScript completeScript = LuaScript.load("complete");
    private final LuaScript logRowsScript = LuaScript.load("logrows");
    private final LuaScript readLogScript = LuaScript.load("readlog");
    private final LuaScript readChunksScript = LuaScript.load("readchunks");
    private final LuaScript watchScript = LuaScript.load("watch");
    private final LuaScript recentScript = LuaScript.load("recent");

    public RedisJobStore(RedisCalls redis, String prefix, RetentionProperties retention, Clock clock, String publish) {
        this.redis = redis;
        this.prefix = prefix;
        this.idleTtl = retention.idle().toMillis();
        this.completedTtl = retention.completed().toMillis();
        this.logCap = retention.log().toBytes();
        this.clock = clock;
        this.publish = publish;
    }

    @Override
    public Mono<List<Job>> add(String namespace, List<NewJob> jobs) {
        return Mono.defer(() -> {
            long now = clock.millis();
            List<JobKeys> added = new ArrayList<>();
            return Flux.fromIterable(jobs)
                    .concatMap(job -> {
                        JobRef ref = new JobRef(namespace, job.id());
                        JobKeys keys = keys(ref);
                        String incarnation = incarnation();
                        return status(
                                        addScript,
                                        new String[] {keys.job(), keys.channel(), keys.keys(), keys.keyOrder()},
                                        job.meta(),
                                        Long.toString(now),
                                        Long.toString(idleTtl),
                                        publish,
                                        incarnation)
                                .flatMap(status -> {
                                    if (ScriptStatus.of(status) == ScriptStatus.EXISTS) {
                                        return Mono.error(new JobExistsException(job.id()));
                                    }
                                    added.add(keys);
                                    return Mono.just(queued(ref, job.meta(), now, incarnation));
                                });
                    })
                    .collectList()
                    .onErrorResume(error -> Flux.fromIterable(added)
                            .concatMap(keys -> redis.one(commands -> commands.del(keys.job())))
                            .onErrorResume(rollbackError -> Mono.empty())
                            .then(Mono.error(error)))
                    .flatMap(stored -> remember(namespace, stored, now).thenReturn(stored));
        });
    }

    /**
     * Adds the jobs to their namespace's index. The jobs are stored by then, so a failure here is
     * logged and the add still succeeds: the index only helps find jobs, and failing the add would
     * make the producer's retry meet its own jobs (409).
     */
    private Mono<Void> remember(String namespace, List<Job> jobs, long now) {
        String[] args = new String[3 + jobs.size()];
        args[0] = Long.toString(now);
        args[1] = Long.toString(Math.max(idleTtl, completedTtl));
        args[2] = Integer.toString(RECENT_KEPT);
        for (int i = 0; i < jobs.size(); i++) {
            args[3 + i] = jobs.get(i).ref().id();
        }
        return status(recentScript, new String[] {JobKeys.recent(prefix, namespace)}, args)
                .doOnError(error -> log.warn(
                        "Jobs added to {} but not to its index of recent jobs: {}", namespace, error.toString()))
                .onErrorComplete()
                .then();
    }

    @Override
    public Flux<Job> recent(String namespace, int limit) {
        return redis.many(commands -> commands.zrevrange(JobKeys.recent(prefix, namespace), 0, limit - 1L))
                .flatMapSequential(
                        id -> get(new JobRef(namespace, id))
                                .onErrorResume(JobNotFoundException.class, expired -> Mono.empty()),
                        RECENT_READS);
    }

    @Override
    public Mono<Job> get(JobRef ref) {
        return redis.many(commands -> commands.hgetall(keys(ref).job()))
                .collectMap(KeyValue::getKey, KeyValue::getValue)
                .flatMap(hash -> hash.isEmpty() ? Mono.error(new JobNotFoundException()) : Mono.just(parse(ref, hash)));
    }

    @Override
    public Mono<Void> start(JobRef ref, Credential credential, IdempotencyKey key, Mono<Void> body) {
        return held(credential)
                .flatMap(incarnation -> body.then(
                        Mono.defer(() -> write(startScript, ref, idleTtl, new Keyed(key, startScript), incarnation))));
    }

    @Override
    public Mono<Void> progress(JobRef ref, Credential credential, IdempotencyKey key, Mono<String> json) {
        return held(credential)
                .flatMap(incarnation -> json.flatMap(progress -> write(
                        progressScript,
                        ref,
                        idleTtl,
                        new Keyed(key, progressScript, progress),
                        incarnation,
                        progress)));
    }

    @Override
    public Mono<Void> appendLog(JobRef ref, Credential credential, IdempotencyKey key, Mono<String> row) {
        return held(credential)
                .flatMap(incarnation -> row.flatMap(text -> {
                    long codePoints = text.codePointCount(0, text.length()) + 1L;
                    return write(
                            logScript,
                            ref,
                            idleTtl,
                            new Keyed(key, logScript, text),
                            incarnation,
                            text,
                            Long.toString(codePoints),
                            Long.toString(logCap));
                }));
    }

    @Override
    public Mono<Void> appendChunk(JobRef ref, Credential credential, IdempotencyKey key, Mono<String> chunk) {
        return held(credential)
                .flatMap(incarnation -> chunk.flatMap(text ->
                        write(chunkScript, ref, idleTtl, new Keyed(key, chunkScript, text), incarnation, text)));
    }

    @Override
    public Mono<Void> complete(JobRef ref, Credential credential, IdempotencyKey key, Mono<Completion> completion) {
        return held(credential)
                .flatMap(incarnation -> completion.flatMap(done -> {
                    String success = done.success() ? "1" : "0";
                    return write(
                            completeScript,
                            ref,
                            completedTtl,
                            new Keyed(key, completeScript, success, done.resultJson()),
                            incarnation,
                            success,
                            done.resultJson(),
                            "0",
                            "",
                            "");
                }));
    }

    /** A producer's cancel: an empty incarnation tells the script to take any. */
    @Override
    public Mono<Void> cancel(JobRef ref, String reason, String canceledBy, String resultJson) {
        return write(
                completeScript,
                ref,
                completedTtl,
                Keyed.NONE,
                "",
                "0",
                resultJson,
                "1",
                canceledBy == null ? "" : canceledBy,
                reason == null ? "" : reason);
    }

    /**
     * The incarnation a worker's credential names, which the write's script holds against the job's;
     * only a signed job token names one, so any other is refused before the body is read.
     */
    private static Mono<String> held(Credential credential) {
        return credential instanceof Credential.Signed signed
                ? Mono.just(signed.incarnation())
                : Mono.error(new JobNotHeldException());
    }

    /**
     * Any incarnation for a producer (an empty argument), the one a job token names, nothing for another.
     * The page is read a bounded slice a call; each call after the first holds the incarnation the first
     * found, and one that finds the rows numbered otherwise (the cap dropped rows meanwhile) ends the page
     * early rather than give rows of another numbering.
     */
    @Override
    public Mono<LogRows> logRows(JobRef ref, Credential credential, long start, int length) {
        Mono<String> incarnation = credential instanceof Credential.Producer ? Mono.just("") : held(credential);
        return incarnation
                .flatMap(held -> logRowsSlice(ref, start, length, held))
                .flatMap(first -> {
                    List<String> rows = new ArrayList<>();
                    if (first.droppedRows() > 0 && start == 0 && length > 0) {
                        rows.add(LogMarker.text(first.droppedRows(), first.droppedChars()));
                    }
                    rows.addAll(first.rows());
                    long next = Math.max(start, first.droppedRows() > 0 ? 1 : 0)
                            + first.rows().size();
                    long end = Math.min(start + length, first.count());
                    return moreRows(ref, first, rows, next, end).thenReturn(new LogRows(first.count(), rows));
                });
    }

    private Mono<Void> moreRows(JobRef ref, LogRowsReply first, List<String> rows, long next, long end) {
        if (next >= end) {
            return Mono.empty();
        }
        return logRowsSlice(ref, next, (int) (end - next), nonNull(first.incarnation()))
                // Another incarnation now: the job this page began with is gone.
                .onErrorMap(JobNotHeldException.class, gone -> new JobNotFoundException())
                .flatMap(slice -> {
                    if (slice.droppedRows() != first.droppedRows()
                            || slice.rows().isEmpty()) {
                        return Mono.empty();
                    }
                    rows.addAll(slice.rows());
                    return moreRows(ref, first, rows, next + slice.rows().size(), end);
                });
    }

    private Mono<LogRowsReply> logRowsSlice(JobRef ref, long start, int length, String incarnation) {
        JobKeys keys = keys(ref);
        return redis.<List<Object>>script(
                        logRowsScript,
                        ScriptOutputType.MULTI,
                        new String[] {keys.job(), keys.log()},
                        Long.toString(start),
                        Integer.toString(length),
                        incarnation,
                        Integer.toString(SLICE_BYTES))
                .map(LogRowsReply::decode)
                .flatMap(reply -> reply.status() == ScriptStatus.OK
                        ? Mono.just(reply)
                        : Mono.error(reply.status().failure()));
    }

    @Override
    public Mono<LogSlice> readLog(JobRef ref, long fromOffset, int maxRows, int maxBytes, String incarnation) {
        return readLogSlice(ref, fromOffset, -1, maxRows, maxBytes, nonNull(incarnation))
                .flatMap(first -> {
                    StringBuilder text = new StringBuilder();
                    long start = fromOffset;
                    if (fromOffset < first.droppedChars()) {
                        text.append(LogMarker.text(first.droppedRows(), first.droppedChars()))
                                .append('\n');
                        start = first.droppedChars();
                    }
                    LogPage page = new LogPage(text, maxRows, maxBytes);
                    long end = page.append(first.entries(), start);
                    return moreLog(ref, page, end, first.logLength(), nonNull(first.incarnation()))
                            .map(last -> new LogSlice(text.toString(), last));
                });
    }

    /**
     * Reads on from {@code end} up to {@code to}, a slice a call, until the page is full; each call holds
     * the incarnation the page began with. Answers the offset just past the page.
     */
    private Mono<Long> moreLog(JobRef ref, LogPage page, long end, long to, String incarnation) {
        if (page.full() || end >= to) {
            return Mono.just(end);
        }
        return readLogSlice(ref, end, to, page.rowsLeft(), page.bytesLeft(), incarnation)
                .flatMap(slice -> {
                    // The cap dropped text past this page's end while it was read: the page ends here, and
                    // the next read from its end starts with the marker.
                    if (slice.droppedChars() > end || slice.entries().isEmpty()) {
                        return Mono.just(end);
                    }
                    return moreLog(ref, page, page.append(slice.entries(), end), to, incarnation);
                });
    }

    /** One script call: at most {@link #SLICE_ROWS} rows and about {@link #SLICE_BYTES} bytes. */
    private Mono<ReadLogReply> readLogSlice(JobRef ref, long from, long to, int rows, int bytes, String incarnation) {
        JobKeys keys = keys(ref);
        return redis.<List<Object>>script(
                        readLogScript,
                        ScriptOutputType.MULTI,
                        new String[] {keys.job(), keys.log()},
                        Long.toString(from),
                        Long.toString(to),
                        Integer.toString(Math.min(rows, SLICE_ROWS)),
                        Integer.toString(Math.min(bytes, SLICE_BYTES)),
                        incarnation)
                .map(ReadLogReply::decode)
                .flatMap(reply -> reply.status() == ScriptStatus.OK
                        ? Mono.just(reply)
                        : Mono.error(reply.status().failure()));
    }

    @Override
    public Mono<List<String>> readChunks(JobRef ref, long from, int max, String incarnation) {
        JobKeys keys = keys(ref);
        return redis.<List<Object>>script(
                        readChunksScript,
                        ScriptOutputType.MULTI,
                        new String[] {keys.job(), keys.stream()},
                        Long.toString(from),
                        Integer.toString(Math.min(max, SLICE_ROWS)),
                        Integer.toString(SLICE_BYTES),
                        nonNull(incarnation))
                .map(ReadChunksReply::decode)
                .flatMap(reply -> reply.status() == ScriptStatus.OK
                        ? Mono.just(reply.chunks())
                        : Mono.error(reply.status().failure()));
    }

    @Override
    public Mono<WatchRead> watch(JobRef ref, long knownVersion, long logFrom, long chunksFrom, WatchPage page) {
        JobKeys keys = keys(ref);
        return redis.<List<Object>>script(
                        watchScript,
                        ScriptOutputType.MULTI,
                        new String[] {keys.job(), keys.log(), keys.stream()},
                        knownVersion < 0 ? "" : Long.toString(knownVersion),
                        Long.toString(logFrom),
                        Long.toString(chunksFrom),
                        Integer.toString(Math.min(page.rows(), SLICE_ROWS)),
                        Integer.toString(Math.min(page.bytes(), SLICE_BYTES)),
                        Integer.toString(page.chunks()),
                        Long.toString(page.window()),
                        Integer.toString(SLICE_BYTES))
                .map(WatchReply::decode)
                .flatMap(reply -> switch (reply.status()) {
                    case OK -> watchRead(ref, reply, page);
                    case SAME -> Mono.empty();
                    default -> Mono.error(reply.status().failure());
                });
    }

    /** The first slice's counters and text, and the rest of the log's page up to the length it read. */
    private Mono<WatchRead> watchRead(JobRef ref, WatchReply reply, WatchPage page) {
        List<Object> entries = reply.entries();
        long logStart = reply.logFrom();
        if (!entries.isEmpty()) {
            String firstId = (String) entries.get(0);
            String firstRow = entries.get(1) + "\n";
            logStart = Math.max(reply.logFrom(), idOffset(firstId) - firstRow.codePointCount(0, firstRow.length()));
        }
        StringBuilder log = new StringBuilder();
        LogPage text = new LogPage(log, page.rows(), page.bytes());
        long end = text.append(entries, logStart);
        long start = logStart;
        return moreLog(ref, text, end, reply.logLength(), nonNull(reply.incarnation()))
                .map(last -> new WatchRead(
                        reply.version(),
                        JobState.fromWire(reply.state()),
                        reply.progress(),
                        reply.logLength(),
                        reply.streamLength(),
                        start,
                        log.toString(),
                        reply.chunksFrom(),
                        reply.chunks(),
                        reply.incarnation()));
    }

    /** A page of log text as it is read, slice by slice, and what it may still take. */
    private static final class LogPage {

        private final StringBuilder text;
        private int rowsLeft;
        private long bytesLeft;

        LogPage(StringBuilder text, int rows, int bytes) {
            this.text = text;
            this.rowsLeft = rows;
            this.bytesLeft = bytes;
        }

        boolean full() {
            return rowsLeft <= 0 || bytesLeft <= 0;
        }

        int rowsLeft() {
            return rowsLeft;
        }

        int bytesLeft() {
            return (int) Math.min(Integer.MAX_VALUE, bytesLeft);
        }

        /** Appends a slice's entries from {@code from} on; answers the offset just past them. */
        long append(List<Object> entries, long from) {
            for (int i = 1; i < entries.size(); i += 2) {
                bytesLeft -= utf8Length((String) entries.get(i)) + 1L;
            }
            rowsLeft -= entries.size() / 2;
            return appendEntries(entries, from, text);
        }
    }

    /** UTF-8 bytes of {@code text}: a surrogate pair is four, two of them each. */
    private static int utf8Length(String text) {
        int bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            bytes += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
        }
        return bytes;
    }

    private static String nonNull(String incarnation) {
        return incarnation == null ? "" : incarnation;
    }

    /**
     * Appends flat (entry id, row) pairs as log text that starts at {@code from}: the first row is cut
     * where {@code from} falls inside it. Returns the offset just past the text.
     */
    private static long appendEntries(List<Object> entries, long from, StringBuilder text) {
        long next = from;
        for (int i = 0; i + 1 < entries.size(); i += 2) {
            long end = idOffset((String) entries.get(i));
            String row = entries.get(i + 1) + "\n";
            long begin = end - row.codePointCount(0, row.length());
            int skip = (int) Math.max(0, next - begin);
            text.append(row, row.offsetByCodePoints(0, skip), row.length());
            next = end;
        }
        return next;
    }

    private static long idOffset(String id) {
        return Long.parseLong(id.substring(0, id.indexOf('-')));
    }

    /**
     * Runs a write script with its own arguments between the common ones: now, TTL and publish command
     * first; the idempotency key, its write's fingerprint, the number of keys kept and the incarnation the
     * writer's token names last, where each script finds them from the end.
     */
    private Mono<Void> write(LuaScript script, JobRef ref, long ttl, Keyed keyed, String incarnation, String... own) {
        String[] args = new String[7 + own.length];
        args[0] = Long.toString(clock.millis());
        args[1] = Long.toString(ttl);
        args[2] = publish;
        System.arraycopy(own, 0, args, 3, own.length);
        args[3 + own.length] = keyed.key().value();
        args[4 + own.length] = keyed.fingerprint();
        args[5 + own.length] = Integer.toString(IdempotencyKey.KEPT);
        args[6 + own.length] = incarnation;
        return status(script, keys(ref).all(), args).flatMap(ScriptStatus::outcome);
    }

    private Mono<String> status(LuaScript script, String[] keys, String... args) {
        return redis.script(script, ScriptOutputType.VALUE, keys, args);
    }

    private JobKeys keys(JobRef ref) {
        return JobKeys.of(prefix, ref);
    }

    private static Job queued(JobRef ref, String meta, long now, String incarnation) {
        return new Job(
                ref,
                JobState.QUEUED,
                meta,
                now,
                null,
                null,
                null,
                null,
                false,
                null,
                null,
                null,
                new Job.LogCounters(0, 0, 0, 0),
                0,
                1,
                incarnation);
    }

    /**
     * A new random incarnation, base64url. The DRBG was seeded once at start, so this runs from memory
     * on the calling thread, an event loop, without reading the OS entropy source.
     */
    private String incarnation() {
        byte[] bytes = new byte[INCARNATION_BYTES];
        incarnations.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static SecureRandom seededAtStart() {
        try {
            SecureRandom random = SecureRandom.getInstance("DRBG");
            random.nextBytes(new byte[INCARNATION_BYTES]);
            return random;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Job parse(JobRef ref, Map<String, String> hash) {
        return new Job(
                ref,
                JobState.fromWire(hash.get("state")),
                hash.get("meta"),
                Long.parseLong(hash.get("created_at")),
                optionalLong(hash, "started_at"),
                optionalLong(hash, "completed_at"),
                hash.containsKey("success") ? "1".equals(hash.get("success")) : null,
                hash.get("result"),
                "1".equals(hash.get("canceled")),
                hash.get("canceled_by"),
                hash.get("canceled_reason"),
                hash.get("progress"),
                new Job.LogCounters(
                        Long.parseLong(hash.get("log_len")),
                        Long.parseLong(hash.get("log_rows")),
                        Long.parseLong(hash.get("log_dropped")),
                        Long.parseLong(hash.get("log_dropped_rows"))),
                Long.parseLong(hash.get("stream_len")),
                Long.parseLong(hash.get("ver")),
                hash.get("inc"));
    }

    private static Long optionalLong(Map<String, String> hash, String field) {
        String value = hash.get(field);
        return value == null ? null : Long.valueOf(value);
    }
}
