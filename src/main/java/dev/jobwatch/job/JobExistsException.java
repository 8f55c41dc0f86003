package dev.jobwatch.job;

/** An add named an id that is taken. */
public class JobExistsException extends RuntimeException {

    public JobExistsException(String id) {
        super("Job " + id + " already exists", null, false, false);
    }
}
