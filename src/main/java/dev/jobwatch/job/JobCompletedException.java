package dev.jobwatch.job;

/** The job is completed and takes no more writes. */
public class JobCompletedException extends RuntimeException {

    public JobCompletedException() {
        super("Job is completed", null, false, false);
    }
}
