package dev.jobwatch.config;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How job and watch tokens are signed.
 *
 * @param secret HMAC key shared by every pod (env {@code JOBWATCH_TOKEN_SECRET}); empty means a
 *               random key per process, which only local mode allows
 */
@ConfigurationProperties("jobwatch.token")
public record TokenProperties(String secret) {

    public boolean configured() {
        return secret != null && !secret.isBlank();
    }
}
