package dev.jobwatch.demo;

import dev.jobwatch.auth.Access;
import dev.jobwatch.store.JobQueue;
import dev.jobwatch.store.JobWrites;
import java.time.Duration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Demo mode ({@code JOBWATCH_DEMO=true}, default off): synthetic jobs to look at in the browser. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "jobwatch.demo", havingValue = "true")
class DemoConfiguration {

    /** Time between two steps of a demo job: slow enough to read, quick enough to look alive. */
    private static final Duration STEP = Duration.ofMillis(500);

    @Bean
    DemoJobs demoJobs(JobQueue queue, JobWrites writes, Access access) {
        return new DemoJobs(queue, writes, access, STEP);
    }
}
