package dev.jobwatch.config;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who may add, read and cancel jobs.
 *
 * @param tokens producer tokens (env {@code JOBWATCH_AUTH_TOKENS}, comma-separated); empty means
 *               producer routes are open, which only local mode allows
 */
@ConfigurationProperties("jobwatch.auth")
public record AuthProperties(@DefaultValue List<String> tokens) {

    public List<String> tokens() {
        return tokens.stream().map(String::trim).filter(token -> !token.isEmpty()).toList();
    }
}
