package dev.jobwatch.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Who may add, read, write and watch jobs: every auth setting, in one record. Bound at {@code jobwatch}
 * so that each keeps the name and environment variable it always had; {@link WatchProperties} binds the
 * rest of {@code jobwatch.watch}. What these settings require of each other and of the Redis setting
 * (local mode) is checked at start by {@link SettingRules}.
 *
 * @param auth  producers: {@code auth.tokens} (env {@code JOBWATCH_AUTH_TOKENS})
 * @param token job and watch tokens: {@code token.secret} (env {@code JOBWATCH_TOKEN_SECRET}) and
 *              {@code token.ttl} (env {@code JOBWATCH_TOKEN_TTL})
 * @param watch watchers: {@code watch.auth} (env {@code JOBWATCH_WATCH_AUTH})
 */
@Validated
@ConfigurationProperties("jobwatch")
public record AuthProperties(
        @DefaultValue @NotNull @Valid Producers auth,
        @DefaultValue @NotNull @Valid Tokens token,
        @DefaultValue @NotNull Watchers watch) {

    public static final int MIN_SECRET_LENGTH = 16;
    /** Producer tokens open whole namespaces; with an external Redis they must not be guessable. */
    public static final int MIN_PRODUCER_TOKEN_LENGTH = 16;

    public static final String TOKENS_VARIABLE = "JOBWATCH_AUTH_TOKENS";
    public static final String SECRET_VARIABLE = "JOBWATCH_TOKEN_SECRET";

    /**
     * @param tokens producer tokens (env {@code JOBWATCH_AUTH_TOKENS}), comma-separated, each {@code token}
     *               (every namespace) or {@code token@ns1|ns2|prefix-*}; default empty: producer routes
     *               are open, which only local mode allows. With an external Redis each token has at
     *               least {@value AuthProperties#MIN_PRODUCER_TOKEN_LENGTH} characters
     */
    public record Producers(@DefaultValue List<String> tokens) {

        /** The entries without blanks around them, and without empty ones. */
        public List<String> tokens() {
            return tokens.stream()
                    .map(String::trim)
                    .filter(token -> !token.isEmpty())
                    .toList();
        }
    }

    /**
     * @param secret HMAC key shared by every pod (env {@code JOBWATCH_TOKEN_SECRET}), at least
     *               {@value AuthProperties#MIN_SECRET_LENGTH} characters; default empty: a random key per process, which
     *               only local mode allows. Checked in code, never by an annotation, so that no report
     *               prints it
     * @param ttl    how long a job or watch token holds after it was issued (env {@code JOBWATCH_TOKEN_TTL}),
     *               at least 1 s; default empty: as long as the secret does
     */
    public record Tokens(String secret, Duration ttl) {

        public boolean configured() {
            return secret != null && !secret.isBlank();
        }

        @AssertTrue(message = "the token time to live must be at least one second")
        public boolean isTtlPositive() {
            return ttl == null || ttl.toMillis() >= 1000;
        }

        /** As a record prints itself, without the secret. */
        @Override
        public String toString() {
            return "Tokens[secret=" + (configured() ? "***" : "") + ", ttl=" + ttl + "]";
        }
    }

    /**
     * @param auth {@code token}: a watcher needs a producer token for the job's namespace or the job's
     *             watch token; {@code open}: anyone who can reach the pod reads any job by its id, as
     *             Windmill's {@code jobs_u} routes (env {@code JOBWATCH_WATCH_AUTH}). Default unset:
     *             {@code token} with an external Redis, {@code open} in local mode
     */
    public record Watchers(WatchAuth auth) {}

    public enum WatchAuth {
        OPEN,
        TOKEN
    }

    public List<String> producerTokens() {
        return auth.tokens();
    }

    /** Whether watchers need no token: only when set so, or when unset in local mode. */
    public boolean watchersOpen(RedisProperties redis) {
        return watch.auth() == null ? redis.embedded() : watch.auth() == WatchAuth.OPEN;
    }

    /** The token part of a producer token entry, before the {@code @} that starts its scope. */
    public static String tokenOf(String entry) {
        int at = entry.indexOf('@');
        return at < 0 ? entry : entry.substring(0, at);
    }
}
