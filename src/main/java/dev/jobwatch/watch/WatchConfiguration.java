package dev.jobwatch.watch;

import dev.jobwatch.config.DrainProperties;
import dev.jobwatch.config.WatchProperties;
import dev.jobwatch.store.ChangeFeed;
import dev.jobwatch.store.JobReads;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

@Configuration(proxyBeanMethods = false)
class WatchConfiguration {

    /** Rows per read are bounded too, so that a log of tiny rows does not make one read huge. */
    private static final int PAGE_ROWS = 10_000;

    @Bean
    WatchService watchService(
            JobReads store, ChangeFeed feed, JsonMapper mapper, WatchProperties settings, MeterRegistry meters) {
        int pageBytes = (int) settings.page().toBytes();
        JobReads.WatchPage page = new JobReads.WatchPage(PAGE_ROWS, pageBytes, JobHub.CHUNK_WINDOW, settings.window());
        var scheduler = Schedulers.parallel();
        WatchMetrics metrics = new WatchMetrics(meters);
        WatchReader reader = new WatchReader(store, feed, mapper, page, settings.recheck(), scheduler, metrics);
        HubRegistry hubs = new HubRegistry(
                ref -> new JobHub(ref, reader), settings.linger().toMillis(), scheduler);
        metrics.countHubs(hubs);
        return new WatchService(hubs, reader, mapper, settings, scheduler, metrics);
    }

    @Bean
    DrainOnShutdown drainOnShutdown(WatchService watch, DrainProperties drain, ApplicationEventPublisher events) {
        return new DrainOnShutdown(watch, drain.timeout(), events);
    }
}
