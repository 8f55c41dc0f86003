package dev.jobwatch.auth;

/**
 * What a token opens of one job: every incarnation of it (a producer token, or open watching), or the
 * one incarnation a job or watch token was issued for. A token's signature is checked without Redis;
 * the incarnation can only be held against the job's own once the job is read, in the same read that
 * serves the request.
 *
 * @param incarnation the one incarnation opened, or null for all
 */
public record Grant(String incarnation) {

    public static final Grant ANY = new Grant(null);

    /**
     * Fails with {@link UnauthorizedException} unless this grant opens the job as read, whose
     * incarnation is {@code held} (null for a job that has none, as BullMQ's jobs).
     */
    public void require(String held) {
        if (incarnation != null && !incarnation.equals(held)) {
            throw new UnauthorizedException();
        }
    }
}
