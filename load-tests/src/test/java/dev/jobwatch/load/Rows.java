package dev.jobwatch.load;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The log rows a writer posts, known in advance, so every watcher can compare what it hears with what
 * the job's log must hold: row {@code i} of job {@code id} is {@code "<id> row <i> "} padded to a fixed
 * length (in code points). With {@code unicode}, each row also carries multi-byte characters (CJK and an
 * emoji outside the BMP), which checks that offsets count code points end to end.
 */
final class Rows {

    private static final String UNICODE = " 日本 😀 ";

    private final int count;
    private final int length;
    private final boolean unicode;
    private final Map<String, String> expected = new ConcurrentHashMap<>();

    /**
     * @param count  rows per job
     * @param length code points per row, without its newline
     */
    Rows(int count, int length, boolean unicode) {
        this.count = count;
        this.length = length;
        this.unicode = unicode;
    }

    int count() {
        return count;
    }

    /** Row {@code index} (0-based) of job {@code id}, without the newline the server adds. */
    String row(String id, int index) {
        StringBuilder row =
                new StringBuilder(length + 16).append(id).append(" row ").append(String.format("%07d", index));
        if (unicode) {
            row.append(UNICODE);
        }
        row.append(' ');
        int points = row.codePointCount(0, row.length());
        while (points < length) {
            row.append((char) ('a' + (index + points) % 26));
            points++;
        }
        return row.toString();
    }

    /** The whole log of job {@code id} once every row is written: each row and a newline. */
    String log(String id) {
        return expected.computeIfAbsent(id, key -> {
            StringBuilder log = new StringBuilder();
            for (int i = 0; i < count; i++) {
                log.append(row(key, i)).append('\n');
            }
            return log.toString();
        });
    }

    /** The log's length in code points, as the server counts {@code log_offset} (which is this + 1). */
    long logLength(String id) {
        String log = log(id);
        return log.codePointCount(0, log.length());
    }
}
