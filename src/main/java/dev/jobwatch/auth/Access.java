package dev.jobwatch.auth;

import dev.jobwatch.auth.TokenSigner.Purpose;
import dev.jobwatch.job.Credential;
import dev.jobwatch.job.JobRef;

/**
 * Who may do what: producers add, read and cancel any job of the namespaces their token is for; a job
 * token writes to its own job only; a watch token reads its own job only. Job and watch tokens name one incarnation of their job, which the
 * caller holds against the job's own as the job is read or written ({@link Grant}).
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

    /**
     * The one check of every watcher route: nothing when watching is open, else a producer token for the
     * job's namespace (every incarnation) or the job's watch token (its incarnation only).
     */
    public Grant requireWatcher(String token, JobRef ref) {
        if (watchersOpen || producers.accepts(token, ref.namespace())) {
            return Grant.ANY;
        }
        String incarnation = signer.verify(Purpose.WATCH, ref, token);
        if (incarnation == null) {
            throw new UnauthorizedException();
        }
        return new Grant(incarnation);
    }

    public void requireProducer(String bearer, String namespace) {
        if (!producers.accepts(bearer, namespace)) {
            throw new UnauthorizedException();
        }
    }

    /**
     * What a worker's token proves: a job token whose signature checks names its incarnation; any other
     * token (or none) is passed on unsigned, for a source whose jobs carry tokens of their own to check.
     * The store refuses a credential that opens nothing.
     */
    public Credential worker(String bearer, JobRef ref) {
        String incarnation = signer.verify(Purpose.JOB, ref, bearer);
        return incarnation != null ? new Credential.Signed(incarnation) : Credential.unsigned(bearer);
    }

    /** What a reader of a job's log rows holds: a producer token for the namespace, else as {@link #worker}. */
    public Credential reader(String bearer, JobRef ref) {
        return producers.accepts(bearer, ref.namespace()) ? Credential.PRODUCER : worker(bearer, ref);
    }

    public String jobToken(JobRef ref, String incarnation) {
        return signer.issue(Purpose.JOB, ref, incarnation);
    }

    public String watchToken(JobRef ref, String incarnation) {
        return signer.issue(Purpose.WATCH, ref, incarnation);
    }
}
