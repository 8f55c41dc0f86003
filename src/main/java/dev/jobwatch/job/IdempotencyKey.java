package dev.jobwatch.job;

/**
 * A worker's name for one write ({@code Idempotency-Key}), so that the write, sent again with it after an
 * answer that did not say whether it was applied (a 503, a dropped connection), is applied once and
 * answered as the first time. A key names a write within one job: the job keeps the keys of its newest
 * {@link #KEPT} writes that had one, for as long as it lives.
 *
 * @param value 1 to {@link #MAX_LENGTH} visible ASCII characters, or empty for a write without a key
 */
public record IdempotencyKey(String value) {

    public static final IdempotencyKey NONE = new IdempotencyKey("");
    public static final int MAX_LENGTH = 255;
    /** Keys a job remembers, the newest; a retry comes soon after its write, never 10,000 writes later. */
    public static final int KEPT = 10_000;

    static final String RULE = "Idempotency-Key must be 1 to " + MAX_LENGTH + " visible ASCII characters";

    /** A key as a client sent it; one that breaks the rule is refused (400). */
    public static IdempotencyKey of(String sent) {
        if (sent.isEmpty() || sent.length() > MAX_LENGTH || !sent.chars().allMatch(c -> c > ' ' && c < 0x7f)) {
            throw new InvalidInputException(RULE);
        }
        return new IdempotencyKey(sent);
    }

    public boolean present() {
        return !value.isEmpty();
    }
}
