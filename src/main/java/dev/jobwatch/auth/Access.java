package dev.jobwatch.auth;

import dev.jobwatch.auth.TokenSigner.Purpose;
import dev.jobwatch.job.JobRef;

/**
 * Who may do what: producers add, read and cancel any job; a job token writes to its own job only.
 * Each check takes the bearer token (null when the request had none) and throws
 * {@link UnauthorizedException} when it does not open the route.
 */
public final class Access {

    private final ProducerTokens producers;
    private final TokenSigner signer;

    public Access(ProducerTokens producers, TokenSigner signer) {
        this.producers = producers;
        this.signer = signer;
    }

    public void requireProducer(String bearer) {
        if (!producers.accepts(bearer)) {
            throw new UnauthorizedException();
        }
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
