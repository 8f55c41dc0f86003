package dev.jobwatch.watch;

import dev.jobwatch.job.JobRef;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import reactor.core.scheduler.Scheduler;

/**
 * The hubs of this pod, one per watched job: made by the first watcher, kept while any watcher holds
 * it and for a short linger after the last leaves (so a reconnect finds it warm), then closed. Counts
 * change under the map's lock for the job, so a hub is never closed under a watcher that just took it.
 */
public final class HubRegistry {

    private final Map<JobRef, JobHub> hubs = new ConcurrentHashMap<>();
    private final Function<JobRef, JobHub> factory;
    private final long lingerMillis;
    private final Scheduler scheduler;

    HubRegistry(Function<JobRef, JobHub> factory, long lingerMillis, Scheduler scheduler) {
        this.factory = factory;
        this.lingerMillis = lingerMillis;
        this.scheduler = scheduler;
    }

    JobHub acquire(JobRef ref) {
        JobHub[] made = new JobHub[1];
        JobHub hub = hubs.compute(ref, (key, existing) -> {
            JobHub chosen = existing;
            if (chosen == null || chosen.spent()) {
                if (chosen != null && chosen.idle()) {
                    chosen.close();
                }
                chosen = factory.apply(key);
                made[0] = chosen;
            }
            chosen.retain();
            return chosen;
        });
        if (made[0] != null) {
            made[0].start();
        }
        return hub;
    }

    void release(JobHub hub) {
        hubs.compute(hub.ref(), (key, mapped) -> {
            if (hub.release()) {
                if (mapped != hub || lingerMillis == 0) {
                    hub.close();
                    return mapped == hub ? null : mapped;
                }
                hub.closeLater(scheduler.schedule(() -> closeIfIdle(hub), lingerMillis, TimeUnit.MILLISECONDS));
            }
            return mapped;
        });
    }

    private void closeIfIdle(JobHub hub) {
        hubs.computeIfPresent(hub.ref(), (key, mapped) -> {
            if (mapped == hub && hub.idle()) {
                hub.closeAfterLinger();
                return null;
            }
            return mapped;
        });
    }

    /** Hubs open on this pod now. */
    public int size() {
        return hubs.size();
    }
}
