package dev.jobwatch.store;

import dev.jobwatch.job.Credential;
import dev.jobwatch.job.Job;
import dev.jobwatch.job.JobRef;
import dev.jobwatch.job.NewJob;
import java.util.List;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ActiveProfiles;

/** The contract of every source, on jobwatch's own store: jobs added by a producer, written with job tokens. */
@ActiveProfiles("test")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class RedisJobStoreContractIntegrationTest extends JobSourceContract {

    @Autowired
    JobSources store;

    private final String namespace = "contract-" + UUID.randomUUID().toString().substring(0, 8);

    @Override
    JobReads reads() {
        return store;
    }

    @Override
    JobReports reports() {
        return store;
    }

    @Override
    JobRef newJob() {
        Job job = store.add(namespace, List.of(new NewJob(UUID.randomUUID().toString(), "{}")))
                .block(DEADLINE)
                .get(0);
        return job.ref();
    }

    @Override
    JobRef missingJob() {
        return new JobRef(namespace, "missing");
    }

    /** A job token names the incarnation, which only the job itself knows. */
    @Override
    Credential worker(JobRef job) {
        return new Credential.Signed(store.get(job).block(DEADLINE).incarnation());
    }

    /** The token of an earlier job that had the same id. */
    @Override
    Credential stranger(JobRef job) {
        return new Credential.Signed("AAAAAAAAAAAAAAAA");
    }
}
