package dev.jobwatch;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Lettuce guards its command writes with a lock that is held only while a command is handed to
 * Netty, so two event loops writing to the shared connection at the same moment may park for
 * nanoseconds. That is Lettuce's design for a shared connection, not a blocking call of ours; every
 * other park on an event loop still fails the test.
 */
public class LettuceBlockHoundIntegration implements BlockHoundIntegration {

    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "incrementWriters");
        builder.allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "decrementWriters");
    }
}
