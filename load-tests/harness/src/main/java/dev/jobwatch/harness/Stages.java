package dev.jobwatch.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Sorts a profile's collapsed stacks ({@link Profile}) into the stages a row goes through, for jobwatch's JVM
 * (async-profiler, a thread's frame first) and nginx + nchan (perf). A stack counts for the stage of the frame
 * nearest its leaf that names one, so that, say, JSON written for a watcher counts as rendering and the socket
 * write below it as the kernel's; a socket read or write on a Redis connection (a Lettuce thread, or nchan's
 * Redis code on the stack) counts as the Redis call. Patterns name classes and functions, so the split is as
 * good as they are: what none names stays under "GC, JIT, other".
 */
final class Stages {

    static final String HTTP = "HTTP decode and routing";
    static final String AUTH = "auth (HMAC)";
    static final String REDIS = "Redis call (encode, decode, write)";
    static final String ANSWER = "the answer";
    static final String NOTIFY = "notification (pub/sub receive)";
    static final String HUB = "hub";
    static final String RELAY = "relay to the watcher's loop";
    static final String RENDER = "rendering (JSON, SSE framing)";
    static final String SOCKET = "write to the socket (kernel)";
    static final String TIMERS = "timers";
    static final String OTHER = "GC, JIT, other";

    static final List<String> ORDER =
            List.of(HTTP, AUTH, REDIS, ANSWER, NOTIFY, HUB, RELAY, RENDER, SOCKET, TIMERS, OTHER);

    private static final Pattern VM_THREAD = Pattern.compile(
            "^\\[(GC |G1 |C1 |C2 |VM |Compiler|Sweeper|Service Thread|Monitor|Signal|Finalizer|Reference|Common-Cleaner|JVMCI|async-profiler)");
    private static final Pattern REDIS_STACK = Pattern.compile("^\\[lettuce|io[./]lettuce|redis|Redis|hiredis");

    private record Rule(String stage, Pattern frame) {}

    private static final List<Rule> RULES = List.of(
            new Rule(OTHER, Pattern.compile("epoll_wait|futex|schedule_timeout|do_idle|^Interpreter$")),
            new Rule(
                    SOCKET,
                    Pattern.compile(
                            "tcp_sendmsg|sock_sendmsg|sys_writev|sys_sendmsg|sys_sendto|__x64_sys_write_|ksys_write|do_writev|__libc_write|__writev|__libc_send")),
            new Rule(
                    HTTP,
                    Pattern.compile(
                            "tcp_recvmsg|sys_read|sys_recvfrom|ksys_read|sock_recvmsg|__libc_recv|__libc_read")),
            new Rule(
                    NOTIFY,
                    Pattern.compile(
                            "io[./]lettuce[./]core[./]pubsub|PubSub|ChangeFeed|redis_subscriber|subscriber_callback|nchan_store_redis.*(sub|message)")),
            new Rule(REDIS, Pattern.compile("io[./]lettuce|dev[./]jobwatch[./]store|redis|hiredis")),
            new Rule(
                    AUTH,
                    Pattern.compile(
                            "javax[./]crypto|Hmac|HMAC|sun[./]security|TokenSigner|dev[./]jobwatch[./]auth|Bearer|WatcherAccess")),
            new Rule(
                    RENDER,
                    Pattern.compile(
                            "jackson|JobJson|WatchEvent|ServerSentEvent|LogText|Deltas|nchan_output|eventsource|ngx_http_chunked|ngx_http_write_filter|ngx_output_chain")),
            new Rule(
                    TIMERS,
                    Pattern.compile(
                            "HashedWheelTimer|ScheduledFutureTask|ScheduledThreadPoolExecutor|FluxInterval|MonoDelay|ngx_event_expire_timers|timerfd")),
            new Rule(
                    HUB,
                    Pattern.compile(
                            "dev[./]jobwatch[./]watch[./](JobHub|HubRegistry|HubState|LogWindow|ChunkWindow)|nchan_channel|memstore|spool")),
            new Rule(
                    RELAY,
                    Pattern.compile(
                            "dev[./]jobwatch[./]watch|FluxPublishOn|FluxOnBackpressureLatest|Sinks|SingleThreadEventExecutor[./]execute|runAllTasks|nchan_subscriber")),
            new Rule(
                    ANSWER,
                    Pattern.compile(
                            "dev[./]jobwatch[./]web[./](WorkerHandler|Answers)|ServerResponse|EntityResponse|HttpServerOperations[./]send|ngx_http_send_header|ngx_http_finalize_request|nchan_respond")),
            new Rule(
                    HTTP,
                    Pattern.compile(
                            "HttpObjectDecoder|HttpServerCodec|HttpRequestDecoder|RouterFunction|DispatcherHandler|HandlerFunctionAdapter|RequestPredicate|PathPattern|HttpWebHandlerAdapter|ReactorHttpHandlerAdapter|WebFilter|dev[./]jobwatch[./]web|reactor[./]netty[./]http[./]server|ngx_http_parse|ngx_http_process_request|ngx_http_read|ngx_http_core")));

    private Stages() {}

    /**
     * A profile sorted into stages.
     *
     * @param byStage samples by stage, in {@link #ORDER}
     * @param otherLeaves the samples left under "GC, JIT, other" by their thread (the first frame) and leaf frame,
     *     most first, to see what the patterns miss
     */
    record Sorted(Map<String, Long> byStage, List<Map.Entry<String, Long>> otherLeaves) {

        long total() {
            return byStage.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    static Sorted classify(Path collapsed) throws IOException {
        Map<String, Long> by = new LinkedHashMap<>();
        ORDER.forEach(s -> by.put(s, 0L));
        Map<String, Long> other = new HashMap<>();
        for (String line : Files.readAllLines(collapsed)) {
            int space = line.lastIndexOf(' ');
            if (space > 0) {
                String[] frames = line.substring(0, space).split(";");
                long n = Long.parseLong(line.substring(space + 1));
                String stage = stage(frames);
                by.merge(stage, n, Long::sum);
                if (stage.equals(OTHER)) {
                    String thread = frames[0].replaceAll("(-\\d+)* tid=\\d+", "");
                    other.merge(thread + " … " + frames[frames.length - 1], n, Long::sum);
                }
            }
        }
        List<Map.Entry<String, Long>> leaves = other.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(12)
                .toList();
        return new Sorted(by, leaves);
    }

    static String stage(String[] frames) {
        if (frames.length > 0 && VM_THREAD.matcher(frames[0]).find()) {
            return OTHER;
        }
        boolean redis = false;
        for (String f : frames) {
            redis |= REDIS_STACK.matcher(f).find();
        }
        for (int i = frames.length - 1; i >= 0; i--) {
            for (Rule r : RULES) {
                if (r.frame().matcher(frames[i]).find()) {
                    return redis && (r.stage().equals(SOCKET) || r.stage().equals(HTTP)) ? REDIS : r.stage();
                }
            }
        }
        return OTHER;
    }
}
