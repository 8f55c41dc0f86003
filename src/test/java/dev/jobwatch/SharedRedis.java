package dev.jobwatch;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One Redis for all the tests of a class ({@code @RegisterExtension static final SharedRedis redis}): the
 * one in {@code REDIS_URL} when it is set, else one of the class's own, stopped after its last test.
 */
public final class SharedRedis implements BeforeAllCallback, AfterAllCallback {

    private TestRedis.Lease lease;

    @Override
    public void beforeAll(ExtensionContext context) {
        lease = TestRedis.fromEnvironment();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        lease.close();
    }

    public String url() {
        return lease.url();
    }
}
