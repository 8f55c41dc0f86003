package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Which targets the Netty routes take, and the names they read from them: the usual form, decoded as
 * Spring decodes a path; every other form of these paths is left to WebFlux's routes.
 */
class WorkerWriteTargetTest {

    @Test
    void theUsualFormIsTakenWithItsNamesDecodedAsSpringDecodesThem() {
        assertThat(WorkerWriteTarget.parse("/queues/build/jobs/job-1/logs"))
                .isEqualTo(new WorkerWriteTarget(WorkerWrite.LOG, "build", "job-1", "/queues/build/jobs/job-1/logs"));
        assertThat(WorkerWriteTarget.parse("/queues/build/jobs/repeat%3A1/complete?x=1&y=%2F/?"))
                .isEqualTo(new WorkerWriteTarget(
                        WorkerWrite.COMPLETE, "build", "repeat:1", "/queues/build/jobs/repeat%3A1/complete"));
        assertThat(WorkerWriteTarget.parse("/queues/a+b/jobs/%C3%A9t%C3%A9/stream"))
                .as("'+' stays, escapes are UTF-8")
                .isEqualTo(new WorkerWriteTarget(
                        WorkerWrite.CHUNK, "a+b", "été", "/queues/a+b/jobs/%C3%A9t%C3%A9/stream"));
        for (WorkerWrite write : WorkerWrite.values()) {
            String path = write.pattern().replace("{q}", "ns-1").replace("{id}", "j");
            assertThat(WorkerWriteTarget.parse(path))
                    .as(path)
                    .extracting(WorkerWriteTarget::write)
                    .isEqualTo(write);
        }
    }

    @Test
    void anyOtherFormIsLeftToWebFlux() {
        for (String target : new String[] {
            "/queues/build/jobs/job-1/logs/", // a trailing slash
            "/queues/build/jobs//logs", // an empty id
            "/queues//jobs/job-1/logs", // an empty namespace
            "//queues/build/jobs/job-1/logs",
            "/queues/build/jobs/job-1/log", // no such write
            "/queues/build/jobs/job-1/logs/more",
            "/queues/build/jobs/job-1",
            "/queues/build/jobs",
            "/QUEUES/build/jobs/job-1/logs",
            "/queues/build/jobs/job-1;v=1/logs", // a matrix parameter
            "/queues/build/jobs/job-1/%6Cogs", // an escaped literal
            "/queues/build/jobs/job-1/logs#top", // a fragment
            "/queues/build/jobs/a|b/logs", // a character no URI holds as it is
            "/queues/build/jobs/a\"b/logs",
            "/queues/build/jobs/a\u00e9b/logs",
            "/queues/build/jobs/a%2/logs", // an escape cut short
            "/queues/build/jobs/job-1/logs?a=%zz", // a query Spring would refuse as no URI
            "/queues/build/jobs/job-1/logs?a=|",
            "http://localhost/queues/build/jobs/job-1/logs", // an absolute URI
            "*"
        }) {
            assertThat(WorkerWriteTarget.parse(target)).as(target).isNull();
        }
    }
}
