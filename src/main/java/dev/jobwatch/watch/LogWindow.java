package dev.jobwatch.watch;

import java.util.ArrayList;
import java.util.List;

/**
 * The newest part of a job's log that a hub holds for its watchers: immutable segments, one per read,
 * covering code points {@code start} to {@code end}. Bounded: the oldest segments go once the rest
 * hold the limit.
 */
record LogWindow(long start, long end, List<Segment> segments) {

    record Segment(long start, long end, String text) {}

    /** Characters up to which small appends join the last segment (less for a small window). */
    static final int SEGMENT = 4096;

    static LogWindow at(long offset) {
        return new LogWindow(offset, offset, List.of());
    }

    /** This window with {@code text}, which begins at {@code from}; a gap (text the cap dropped) restarts it. */
    LogWindow append(long from, String text, long limit) {
        if (text.isEmpty()) {
            return from > end ? at(from) : this;
        }
        long to = from + text.codePointCount(0, text.length());
        List<Segment> kept = new ArrayList<>(from == end ? segments : List.of());
        Segment last = kept.isEmpty() ? null : kept.get(kept.size() - 1);
        // Rows that come one by one join the last segment while it is small, so that a window of many
        // short rows stays a few dozen segments and each append copies little; segments stay small
        // against the limit, so the window still lets its oldest text go in small steps.
        if (last != null
                && last.end() == from
                && last.text().length() + text.length() <= Math.min(SEGMENT, limit / 16)) {
            kept.set(kept.size() - 1, new Segment(last.start(), to, last.text() + text));
        } else {
            kept.add(new Segment(from, to, text));
        }
        while (kept.size() > 1 && to - kept.get(1).start() >= limit) {
            kept.remove(0);
        }
        return new LogWindow(kept.get(0).start(), to, List.copyOf(kept));
    }

    boolean covers(long offset) {
        return offset >= start && offset <= end;
    }

    /** The text from {@code offset} (which this window covers) to its end. */
    String from(long offset) {
        StringBuilder text = new StringBuilder();
        for (Segment segment : segments) {
            if (segment.end() <= offset) {
                continue;
            }
            if (segment.start() >= offset) {
                text.append(segment.text());
            } else {
                // Counted back from the segment's end: watchers are mostly near the end.
                int cut = segment.text().offsetByCodePoints(segment.text().length(), (int) -(segment.end() - offset));
                text.append(segment.text(), cut, segment.text().length());
            }
        }
        return text.toString();
    }
}
