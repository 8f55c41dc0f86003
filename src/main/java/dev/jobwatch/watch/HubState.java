package dev.jobwatch.watch;

import dev.jobwatch.job.JobState;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;

/**
 * What a hub knows of its job at one version, shared read-only by all the hub's watchers.
 *
 * @param failure       why the hub could not read its job, for a hub that failed
 * @param progress      the latest progress, parsed once
 * @param progressText  the same as stored, to tell whether it changed
 * @param job           the job object, once completed (logs not included)
 * @param result        the result, once completed
 * @param encoded       updates already encoded from this state, by what determines them, so watchers
 *                      at the same place share one encoding
 * @param incarnation   the job's incarnation, which a watcher with a watch token must hold, or null for none
 */
record HubState(
        Status status,
        Throwable failure,
        long version,
        JobState state,
        JsonNode progress,
        String progressText,
        long logLength,
        LogWindow log,
        long streamLength,
        ChunkWindow chunks,
        JsonNode job,
        JsonNode result,
        Map<Object, WatchEvent> encoded,
        String incarnation) {

    enum Status {
        READY,
        NOT_FOUND,
        FAILED
    }

    static HubState notFound() {
        return ended(Status.NOT_FOUND, null);
    }

    static HubState failed(Throwable failure) {
        return ended(Status.FAILED, failure);
    }

    /** A state that holds nothing of the job: its watchers hear why and end. */
    private static HubState ended(Status status, Throwable failure) {
        return new HubState(
                status,
                failure,
                -1,
                null,
                null,
                null,
                0,
                LogWindow.at(0),
                0,
                ChunkWindow.at(0),
                null,
                null,
                Map.of(),
                null);
    }

    static Map<Object, WatchEvent> newEncodings() {
        return new ConcurrentHashMap<>();
    }

    /** This state after a write that appended to the log or the result stream and changed nothing else. */
    HubState next(long version, long logLength, LogWindow log, long streamLength, ChunkWindow chunks) {
        return new HubState(
                status,
                failure,
                version,
                state,
                progress,
                progressText,
                logLength,
                log,
                streamLength,
                chunks,
                job,
                result,
                newEncodings(),
                incarnation);
    }

    boolean ready() {
        return status == Status.READY;
    }

    boolean completed() {
        return state == JobState.COMPLETED && job != null;
    }

    /** Whether this state holds less than Redis does, so that its hub should read on at once. */
    boolean partial() {
        return ready() && (log.end() < logLength || chunks.end() < streamLength);
    }
}
