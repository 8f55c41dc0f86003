package dev.jobwatch.watch;

import java.util.ArrayList;
import java.util.List;

/** The newest result-stream chunks a hub holds: chunk number {@code start} onward, at most a limit. */
record ChunkWindow(long start, List<String> chunks) {

    static ChunkWindow at(long count) {
        return new ChunkWindow(count, List.of());
    }

    long end() {
        return start + chunks.size();
    }

    ChunkWindow append(long from, List<String> more, int limit) {
        if (more.isEmpty()) {
            return from > end() ? at(from) : this;
        }
        List<String> kept = new ArrayList<>(from == end() ? chunks : List.of());
        long first = from == end() ? start : from;
        kept.addAll(more);
        int excess = Math.max(0, kept.size() - limit);
        return new ChunkWindow(first + excess, List.copyOf(kept.subList(excess, kept.size())));
    }

    boolean covers(long index) {
        return index >= start && index <= end();
    }

    String from(long index) {
        return String.join("", chunks.subList((int) (index - start), chunks.size()));
    }
}
