package dev.jobwatch;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** BlockHound is installed for every test (blockhound-junit-platform); this proves that it bites. */
class BlockHoundTest {

    @Test
    void aBlockingCallOnANonBlockingThreadFails() {
        Mono<Void> blocking = Mono.fromRunnable(BlockHoundTest::blockBriefly)
                .subscribeOn(Schedulers.parallel())
                .then();

        StepVerifier.create(blocking)
                .expectErrorMatches(error ->
                        error instanceof BlockingOperationError || error.getCause() instanceof BlockingOperationError)
                .verify(Duration.ofSeconds(10));
    }

    private static void blockBriefly() {
        try {
            // The blocking call under test, not a wait for an outcome.
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
