package dev.jobwatch.job;

/**
 * What a caller's bearer token proves about one job before the store is asked. The store holds it
 * against the job in the same atomic step as the read or write it opens, so a token of an earlier job
 * with the same id, or a BullMQ lock that moved to another worker, opens nothing.
 */
public sealed interface Credential {

    /** A producer token for the job's namespace: it reads every incarnation of the job and writes none. */
    Credential PRODUCER = new Producer();

    /** Who holds a credential made from {@code token}, a bearer that no signature check opened: null for none. */
    static Credential unsigned(String token) {
        return new Unsigned(token);
    }

    record Producer() implements Credential {}

    /** A job token whose signature checked: it opens the one incarnation it names. */
    record Signed(String incarnation) implements Credential {}

    /**
     * A token jobwatch did not sign, or none ({@code token} null). Only a source whose jobs carry tokens
     * of their own can check it, in Redis: BullMQ's lock token, new for each attempt at a job.
     */
    record Unsigned(String token) implements Credential {}
}
