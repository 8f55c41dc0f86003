package dev.jobwatch.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobwatch.job.JobState;
import dev.jobwatch.store.Change;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A hub's next state from a notification that carries its write: applied when it follows, else a read. */
class DeltasTest {

    private static final long WINDOW = 1_000;
    private static final String INCARNATION = "incarnation-1";

    /** Version 7: the log "ab\n" (3 code points), the chunks "x" and "y". */
    private final HubState held = state(7, "ab\n", List.of("x", "y"), JobState.RUNNING);

    @Test
    void aRowAtTheNextVersionOfTheSameIncarnationIsAppendedToTheLog() {
        HubState next = Deltas.apply(held, new Change(8, Change.Kind.LOG, 7, INCARNATION, "cd😀"), WINDOW);

        assertThat(next).isNotNull();
        assertThat(next.version()).isEqualTo(8);
        assertThat(next.logLength()).isEqualTo(7);
        assertThat(next.log().from(0)).isEqualTo("ab\ncd😀\n");
        assertThat(next.chunks()).isSameAs(held.chunks());
        assertThat(next.streamLength()).isEqualTo(2);
        assertThat(next.state()).isEqualTo(JobState.RUNNING);
        assertThat(next.incarnation()).isEqualTo(INCARNATION);
        assertThat(next.encoded())
                .as("its own encodings")
                .isNotSameAs(held.encoded())
                .isEmpty();
    }

    @Test
    void aChunkAtTheNextVersionOfTheSameIncarnationIsAppendedToTheChunks() {
        HubState next = Deltas.apply(held, new Change(8, Change.Kind.CHUNK, 3, INCARNATION, "z"), WINDOW);

        assertThat(next).isNotNull();
        assertThat(next.version()).isEqualTo(8);
        assertThat(next.streamLength()).isEqualTo(3);
        assertThat(next.chunks().from(0)).isEqualTo("xyz");
        assertThat(next.log()).isSameAs(held.log());
        assertThat(next.logLength()).isEqualTo(3);
    }

    @Test
    void theLogKeepsToTheHubsWindow() {
        String row = "r".repeat(59);
        HubState next = Deltas.apply(held, new Change(8, Change.Kind.LOG, 63, INCARNATION, row), 100);
        next = Deltas.apply(next, new Change(9, Change.Kind.LOG, 123, INCARNATION, row), 100);

        assertThat(next.logLength()).isEqualTo(123);
        assertThat(next.log().start())
                .as("the oldest text goes once the newer holds the window's 100")
                .isEqualTo(3);
        assertThat(next.log().from(3)).isEqualTo(row + "\n" + row + "\n");
    }

    @Test
    void aBareSignalIsRead() {
        assertThat(Deltas.apply(held, Change.SIGNAL, WINDOW)).isNull();
    }

    @Test
    void aChangeThatDoesNotFollowTheHeldVersionIsRead() {
        assertThat(Deltas.apply(held, new Change(9, Change.Kind.LOG, 7, INCARNATION, "cd😀"), WINDOW))
                .as("one missed in between")
                .isNull();
        assertThat(Deltas.apply(held, new Change(7, Change.Kind.LOG, 7, INCARNATION, "cd😀"), WINDOW))
                .as("one already held")
                .isNull();
    }

    @Test
    void aChangeOfAnotherIncarnationIsRead() {
        assertThat(Deltas.apply(held, new Change(8, Change.Kind.LOG, 7, "incarnation-2", "cd😀"), WINDOW))
                .isNull();
        assertThat(Deltas.apply(held, new Change(8, Change.Kind.CHUNK, 3, null, "z"), WINDOW))
                .isNull();
    }

    @Test
    void lengthsThatDoNotLineUpAreRead() {
        assertThat(Deltas.apply(held, new Change(8, Change.Kind.LOG, 8, INCARNATION, "cd😀"), WINDOW))
                .isNull();
        assertThat(Deltas.apply(held, new Change(8, Change.Kind.CHUNK, 4, INCARNATION, "z"), WINDOW))
                .isNull();
    }

    @Test
    void withoutAWholeStateToApplyToTheStoreIsRead() {
        Change row = new Change(8, Change.Kind.LOG, 7, INCARNATION, "cd😀");

        assertThat(Deltas.apply(null, row, WINDOW)).as("nothing held yet").isNull();
        assertThat(Deltas.apply(HubState.notFound(), row, WINDOW))
                .as("a job not found")
                .isNull();
        assertThat(Deltas.apply(HubState.failed(new IllegalStateException("boom")), row, WINDOW))
                .as("a failed read")
                .isNull();
        HubState partial = new HubState(
                HubState.Status.READY,
                null,
                7,
                JobState.RUNNING,
                null,
                null,
                10,
                held.log(),
                2,
                held.chunks(),
                null,
                null,
                HubState.newEncodings(),
                INCARNATION);
        assertThat(Deltas.apply(partial, new Change(8, Change.Kind.LOG, 14, INCARNATION, "cd😀"), WINDOW))
                .as("a state that holds less of the log than there is")
                .isNull();
        assertThat(Deltas.apply(state(7, "ab\n", List.of("x", "y"), JobState.COMPLETED), row, WINDOW))
                .as("a completed job")
                .isNull();
    }

    private static HubState state(long version, String log, List<String> chunks, JobState state) {
        return new HubState(
                HubState.Status.READY,
                null,
                version,
                state,
                null,
                null,
                log.codePointCount(0, log.length()),
                LogWindow.at(0).append(0, log, WINDOW),
                chunks.size(),
                ChunkWindow.at(0).append(0, chunks, 1024),
                null,
                null,
                HubState.newEncodings(),
                INCARNATION);
    }
}
