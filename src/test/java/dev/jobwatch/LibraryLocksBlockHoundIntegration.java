package dev.jobwatch;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Short locks inside the libraries we run on, which may park an event loop for nanoseconds under
 * contention by design; they are not blocking calls of ours. Every other park, sleep or blocking
 * I/O on an event loop still fails the test.
 * <ul>
 * <li>Lettuce guards its command writes with a lock held only while a command is handed to Netty, so
 * two event loops writing to the shared connection at once may meet there.</li>
 * <li>Netty's adaptive buffer allocator takes a lock when it grows or frees a magazine.</li>
 * <li>Cancelling a periodic timer (a stream's pings, a hub's rechecks) removes it from the scheduler's
 * delay queue under that queue's lock; Reactor's own integration allows the same lock for one-shot
 * timers but not for periodic ones, whether scheduled on a worker or on the scheduler itself.</li>
 * <li>Jackson fills its deserializer cache under a lock the first time a type is read, which many
 * event loops may do at once when many streams start together.</li>
 * </ul>
 */
public class LibraryLocksBlockHoundIntegration implements BlockHoundIntegration {

    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "incrementWriters");
        builder.allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "decrementWriters");
        builder.allowBlockingCallsInside(
                "io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup", "tryExpandMagazines");
        builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$Magazine", "free");
        builder.allowBlockingCallsInside("reactor.core.scheduler.PeriodicWorkerTask", "dispose");
        builder.allowBlockingCallsInside("reactor.core.scheduler.PeriodicSchedulerTask", "dispose");
        builder.allowBlockingCallsInside(
                "tools.jackson.databind.deser.DeserializerCache", "_createAndCacheValueDeserializer");
    }
}
