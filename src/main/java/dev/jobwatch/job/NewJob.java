package dev.jobwatch.job;

/**
 * A job to add: its id (given or generated) and the JSON object of what the producer gave.
 */
public record NewJob(String id, String meta) {

    public NewJob {
        JobRef.checkId(id);
    }
}
