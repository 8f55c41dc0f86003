package dev.jobwatch.watch;

import dev.jobwatch.job.JobState;
import dev.jobwatch.store.Change;
import java.util.List;
import java.util.Objects;

/**
 * A hub's next state from a change notification that carries what its write appended, without reading
 * the store: most writes to a watched job are one log row or one chunk, and this is what keeps their
 * cost to watchers at no read at all.
 */
final class Deltas {

    private Deltas() {}

    /**
     * The state after {@code change}, when it follows {@code held} directly (same incarnation, the next
     * version, lengths that line up); null when it cannot be applied (a bare signal, a notification missed
     * in between, a state that does not hold all it should), and the store must be read.
     *
     * @param logWindow log code points the hub keeps
     */
    static HubState apply(HubState held, Change change, long logWindow) {
        if (change.kind() == Change.Kind.SIGNAL
                || held == null
                || !held.ready()
                || held.partial()
                || held.state() == JobState.COMPLETED
                || change.version() != held.version() + 1
                || !Objects.equals(change.incarnation(), held.incarnation())) {
            return null;
        }
        if (change.kind() == Change.Kind.LOG) {
            String row = change.text() + "\n";
            if (change.length() - row.codePointCount(0, row.length()) != held.logLength()) {
                return null;
            }
            return held.next(
                    change.version(),
                    change.length(),
                    held.log().append(held.logLength(), row, logWindow),
                    held.streamLength(),
                    held.chunks());
        }
        if (change.length() - 1 != held.streamLength()) {
            return null;
        }
        return held.next(
                change.version(),
                held.logLength(),
                held.log(),
                change.length(),
                held.chunks().append(held.streamLength(), List.of(change.text()), JobHub.CHUNK_WINDOW));
    }
}
