package dev.jobwatch.job;

/**
 * A token that does not hold the job it names: on a BullMQ job a wrong lock token, or a job that is
 * not active (BullMQ holds a lock only while a worker runs the job); on jobwatch's own jobs a token
 * of another incarnation, issued for an earlier job that had the same id.
 */
public final class JobNotHeldException extends RuntimeException {

    public JobNotHeldException() {
        super("Unauthorized");
    }
}
