package dev.jobwatch.job;

/** The one line that stands for log text dropped to keep a job's log under its cap. */
public final class LogMarker {

    private LogMarker() {}

    public static String text(long droppedRows, long droppedChars) {
        return "[jobwatch] " + droppedRows + " earlier log rows (" + droppedChars
                + " characters) were dropped to keep this log under its size limit";
    }
}
