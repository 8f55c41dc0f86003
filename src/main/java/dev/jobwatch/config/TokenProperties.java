package dev.jobwatch.config;

import jakarta.validation.constraints.AssertTrue;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * How job and watch tokens are signed.
 *
 * @param secret HMAC key shared by every pod (env {@code JOBWATCH_TOKEN_SECRET}); empty means a
 *               random key per process, which only local mode allows
 * @param ttl    how long a token holds after its job was added (env {@code JOBWATCH_TOKEN_TTL}); empty
 *               (the default) means tokens hold as long as the secret does
 */
@Validated
@ConfigurationProperties("jobwatch.token")
public record TokenProperties(String secret, Duration ttl) {

    public boolean configured() {
        return secret != null && !secret.isBlank();
    }

    @AssertTrue(message = "the token time to live must be at least one second")
    public boolean isTtlPositive() {
        return ttl == null || ttl.toMillis() >= 1000;
    }
}
