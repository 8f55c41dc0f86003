package dev.jobwatch.store;

import dev.jobwatch.job.Credential;
import dev.jobwatch.job.JobRef;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ActiveProfiles;

/**
 * The contract of every source, on the BullMQ source: jobs as BullMQ's add leaves them, each active
 * under a lock that its worker's token names, as BullMQ's worker takes it.
 */
@ActiveProfiles("test")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE,
        properties = {"jobwatch.bullmq.queues=*", "jobwatch.bullmq.prefix=jwtest-bullmq", "jobwatch.bullmq.log-poll=50ms"})
class BullMqContractIntegrationTest extends JobSourceContract {

    @Autowired
    JobReads reads;

    @Autowired
    JobReports reports;

    @Autowired
    RedisConnections connections;

    private final String queue = "c" + UUID.randomUUID().toString().substring(0, 8);
    private final String base = "jwtest-bullmq:" + queue + ":";

    @AfterEach
    void removeTheQueue() {
        List<String> keys = redis().keys(base + "*").collectList().block(DEADLINE);
        if (!keys.isEmpty()) {
            redis().del(keys.toArray(String[]::new)).block(DEADLINE);
        }
    }

    private RedisClusterReactiveCommands<String, String> redis() {
        return connections.commands().block(DEADLINE);
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
        redis().hset(base + id, Map.of("name", "render", "data", "{}", "opts", "{}", "timestamp", "1700000000000",
                "processedOn", "1700000001000")).block(DEADLINE);
        redis().set(base + id + ":lock", "lock-" + id).block(DEADLINE);
        return new JobRef("bullmq." + queue, id);
    }

    @Override
    JobRef missingJob() {
        return new JobRef("bullmq." + queue, "missing");
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
