package dev.jobwatch.job;

/**
 * What the store holds of a job at one moment, JSON values kept as their text.
 *
 * @param meta        JSON object of what the producer gave: {@code name}, {@code data}, {@code opts}
 *                    and the Windmill metadata it may set; and {@code omitted} when the store could not
 *                    keep one of them as given: the field is then null, and {@code omitted} names it with
 *                    why ({@link JsonBudget#OMITTED})
 * @param createdAt   epoch milliseconds, like every time here
 * @param result      JSON text, set once at completion
 * @param progress    JSON text of the latest progress, or null
 * @param log         how much log was written and how much of it was dropped
 * @param streamLength result-stream chunks appended
 * @param version     bumped by every change; a watcher that saw this version has seen everything
 * @param incarnation random value given at the add, which the job's tokens name, so that they open this
 *                    job and never a later one with the same id; null for a job jobwatch did not add
 */
public record Job(
        JobRef ref,
        JobState state,
        String meta,
        long createdAt,
        Long startedAt,
        Long completedAt,
        Boolean success,
        String result,
        boolean canceled,
        String canceledBy,
        String canceledReason,
        String progress,
        LogCounters log,
        long streamLength,
        long version,
        String incarnation) {

    /**
     * @param length       code points ever appended, newlines included; the watcher's
     *                     {@code log_offset} is this + 1
     * @param rows         rows ever appended
     * @param droppedChars code points dropped from the front to respect the cap
     * @param droppedRows  rows dropped from the front
     */
    public record LogCounters(long length, long rows, long droppedChars, long droppedRows) {}

    public boolean completed() {
        return state == JobState.COMPLETED;
    }
}
