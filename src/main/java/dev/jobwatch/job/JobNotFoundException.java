package dev.jobwatch.job;

/** The job does not exist, or has expired. */
public class JobNotFoundException extends RuntimeException {

    public JobNotFoundException() {
        super("Job not found", null, false, false);
    }
}
