package dev.jobwatch.web;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.springframework.util.StringUtils;

/**
 * A worker write's request target, in the form that {@link NettyWriteRoutes} serve: a path
 * {@code /queues/{q}/jobs/{id}/} and a write's name, where {@code q} and {@code id} are not empty, and
 * every character of the path and of an optional query is one a URI holds as it is (letters, digits,
 * {@code -._~!$&'()*+,=:@}, and in the query {@code /?}) or a whole {@code %}-escape. Spring reads such a
 * target the same way (the same segments, the names decoded alike, a URI it accepts), so the answer does
 * not depend on which of the two serves it. Any other form of these paths (a matrix parameter after
 * {@code ;}, an escaped literal segment, an absolute URI, a fragment, a character a URI may not hold)
 * is left to WebFlux's routes, which read it as they always did.
 *
 * @param namespace {@code q}, decoded
 * @param id        {@code id}, decoded
 * @param path      the path as sent, without the query: where a fault happened, for the log
 */
record WorkerWriteTarget(WorkerWrite write, String namespace, String id, String path) {

    private static final String QUEUES = "/queues/";
    private static final String JOBS = "jobs/";
    /** The characters a path here may hold as they are (and {@code %}, which must begin an escape). */
    private static final AsciiSet IN_PATH = AsciiSet.lettersDigitsAnd("-._~!$&'()*+,=:@%/");
    /** A query may hold these too; its {@code %} too must begin an escape, or Spring would refuse the URI. */
    private static final AsciiSet IN_QUERY = AsciiSet.lettersDigitsAnd("-._~!$&'()*+,=:@%/?");

    /** The target's write, names and path, or null when it is not in the form these routes serve. */
    static WorkerWriteTarget parse(String target) {
        if (!target.startsWith(QUEUES)) {
            return null;
        }
        int query = target.indexOf('?');
        int end = query < 0 ? target.length() : query;
        if (!holdsOnly(target, 0, end, IN_PATH)
                || (query >= 0 && !holdsOnly(target, query + 1, target.length(), IN_QUERY))) {
            return null;
        }
        int namespaceEnd = slash(target, QUEUES.length(), end);
        if (namespaceEnd <= QUEUES.length() || !target.startsWith(JOBS, namespaceEnd + 1)) {
            return null;
        }
        int idStart = namespaceEnd + 1 + JOBS.length();
        int idEnd = slash(target, idStart, end);
        if (idEnd <= idStart) {
            return null;
        }
        WorkerWrite write = WorkerWrite.named(target.substring(idEnd + 1, end));
        if (write == null) {
            return null;
        }
        return new WorkerWriteTarget(
                write,
                decoded(target.substring(QUEUES.length(), namespaceEnd)),
                decoded(target.substring(idStart, idEnd)),
                target.substring(0, end));
    }

    /** The first {@code /} in {@code [from, end)}, or -1. */
    private static int slash(String target, int from, int end) {
        for (int at = from; at < end; at++) {
            if (target.charAt(at) == '/') {
                return at;
            }
        }
        return -1;
    }

    private static boolean holdsOnly(String target, int from, int end, AsciiSet allowed) {
        for (int at = from; at < end; at++) {
            char c = target.charAt(at);
            if (!allowed.holds(c)) {
                return false;
            }
            if (c == '%'
                    && (at + 2 >= end
                            || !HexFormat.isHexDigit(target.charAt(at + 1))
                            || !HexFormat.isHexDigit(target.charAt(at + 2)))) {
                return false;
            }
        }
        return true;
    }

    /** As Spring decodes a path segment: {@code %}-escapes as UTF-8, and nothing else ({@code +} stays). */
    private static String decoded(String segment) {
        return StringUtils.uriDecode(segment, StandardCharsets.UTF_8);
    }
}
