package dev.jobwatch.auth;

import dev.jobwatch.auth.TokenSigner.Purpose;
import dev.jobwatch.job.JobRef;

/**
 * Who may do what: producers add, read and cancel any job; a job token writes to its own job only; a
 * watch token reads its own job only.
 * Each check takes the bearer token (null when the request had none) and throws
 * {@link UnauthorizedException} when it does not open the route.
 */
public final class Access {

    private final ProducerTokens producers;
    private final TokenSigner signer;
    private final boolean watchersOpen;

    public Access(ProducerTokens producers, TokenSigner signer, boolean watchersOpen) {
        this.producers = producers;
        this.signer = signer;
        this.watchersOpen = watchersOpen;
    }

    /** Watchers need nothing when watching is open, else a producer token or the job's watch token. */
    public void requireWatcher(String token, JobRef ref) {
        if (!watchersOpen && !signer.verify(Purpose.WATCH, ref, token) && !producers.accepts(token)) {
            throw new UnauthorizedException();
        }
    }

    public void requireProducer(String bearer) {
        if (!producers.accepts(bearer)) {
            throw new UnauthorizedException();
        }
    }

    public boolean isProducer(String bearer) {
        return producers.accepts(bearer);
    }

    public void requireJob(String bearer, JobRef ref) {
        if (!signer.verify(Purpose.JOB, ref, bearer)) {
            throw new UnauthorizedException();
        }
    }

    public void requireProducerOrJob(String bearer, JobRef ref) {
        if (!signer.verify(Purpose.JOB, ref, bearer) && !producers.accepts(bearer)) {
            throw new UnauthorizedException();
        }
    }

    public String jobToken(JobRef ref) {
        return signer.issue(Purpose.JOB, ref);
    }

    public String watchToken(JobRef ref) {
        return signer.issue(Purpose.WATCH, ref);
    }
}
