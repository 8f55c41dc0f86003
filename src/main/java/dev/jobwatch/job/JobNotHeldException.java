package dev.jobwatch.job;

/**
 * A worker's write to a job whose lock it does not hold: a wrong lock token, or a job that is not
 * active (BullMQ holds a lock only while a worker runs the job).
 */
public final class JobNotHeldException extends RuntimeException {

    public JobNotHeldException() {
        super("Unauthorized");
    }
}
