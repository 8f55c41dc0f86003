package dev.jobwatch.store;

import dev.jobwatch.job.Credential;
import dev.jobwatch.job.JobRef;
import dev.jobwatch.store.bullmq.BullMqTestQueue;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ActiveProfiles;

/**
 * The contract of every source, on the BullMQ source: jobs as BullMQ's add leaves them, each active
 * under a lock that its worker's token names, as BullMQ's worker takes it.
 */
@ActiveProfiles("test")
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.NONE,
        properties = {
            "jobwatch.bullmq.queues=*",
            "jobwatch.bullmq.prefix=" + BullMqTestQueue.PREFIX,
            "jobwatch.bullmq.log-poll=50ms"
        })
class BullMqContractIntegrationTest extends JobSourceContract {

    @Autowired
    JobReads reads;

    @Autowired
    JobReports reports;

    @Autowired
    RedisConnections connections;

    private BullMqTestQueue queue;

    @BeforeEach
    void aQueueOfItsOwn() {
        queue = new BullMqTestQueue(connections);
    }

    @AfterEach
    void removeTheQueue() {
        queue.close();
    }

    @Override
    JobReads reads() {
        return reads;
    }

    @Override
    JobReports reports() {
        return reports;
    }

    @Override
    JobRef newJob() {
        String id = UUID.randomUUID().toString();
        JobRef job = queue.job(id, Map.of("processedOn", "1700000001000"));
        queue.redis().set(queue.key(id + ":lock"), "lock-" + id).block(DEADLINE);
        return job;
    }

    @Override
    JobRef missingJob() {
        return new JobRef(queue.namespace(), "missing");
    }

    @Override
    Credential worker(JobRef job) {
        return Credential.unsigned("lock-" + job.id());
    }

    /** The lock token of an earlier attempt at the job. */
    @Override
    Credential stranger(JobRef job) {
        return Credential.unsigned("lock-of-an-earlier-attempt");
    }
}
