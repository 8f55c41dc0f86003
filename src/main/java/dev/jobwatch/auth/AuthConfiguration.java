package dev.jobwatch.auth;

import dev.jobwatch.config.AuthProperties;
import dev.jobwatch.config.MissingSettingException;
import dev.jobwatch.config.RedisProperties;
import dev.jobwatch.config.TokenProperties;
import dev.jobwatch.config.WatchProperties;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Local mode (embedded Redis) may run without producer tokens, with a random secret and with open
 * watchers, and says so at every start; with a real Redis tokens and secret must be set, or the server
 * does not start, and watchers need a token unless open watching is set explicitly (which it logs too).
 */
@Configuration(proxyBeanMethods = false)
class AuthConfiguration {

    private static final Logger log = LoggerFactory.getLogger(AuthConfiguration.class);
    private static final int MIN_SECRET_LENGTH = 16;
    /** Producer tokens open whole namespaces; with an external Redis they must not be guessable. */
    private static final int MIN_PRODUCER_TOKEN_LENGTH = 16;

    @Bean
    Access access(AuthProperties auth, TokenProperties token, RedisProperties redis, WatchProperties watch) {
        return new Access(producerTokens(auth, redis), signer(token, redis), watchersOpen(watch, redis));
    }

    private static boolean watchersOpen(WatchProperties watch, RedisProperties redis) {
        boolean open = watch.watchersOpen(redis);
        if (open) {
            log.warn("Watchers are OPEN ({}): anyone who can reach this port reads any job's args, logs, progress "
                    + "and result by its namespace and id; set JOBWATCH_WATCH_AUTH=token to require a producer "
                    + "or watch token.", watch.auth() == null ? "JOBWATCH_WATCH_AUTH is not set: local mode"
                            : "JOBWATCH_WATCH_AUTH=open");
        }
        return open;
    }

    private static ProducerTokens producerTokens(AuthProperties auth, RedisProperties redis) {
        if (auth.tokens().isEmpty()) {
            if (!redis.embedded()) {
                throw new MissingSettingException("JOBWATCH_AUTH_TOKENS",
                        "is not set: with an external Redis (JOBWATCH_REDIS_URL) producer routes need "
                                + "tokens; set it to a comma-separated list of producer tokens of at least "
                                + MIN_PRODUCER_TOKEN_LENGTH + " characters, each optionally limited to namespaces "
                                + "(token@ns1|ns2|prefix-*).");
            }
            log.warn("JOBWATCH_AUTH_TOKENS is not set: local mode, producer routes (add, get, cancel jobs) "
                    + "are OPEN to anyone who can reach this port.");
        }
        try {
            return ProducerTokens.parse(auth.tokens(), redis.embedded() ? 1 : MIN_PRODUCER_TOKEN_LENGTH);
        } catch (IllegalArgumentException e) {
            throw new MissingSettingException("JOBWATCH_AUTH_TOKENS", e.getMessage());
        }
    }

    private static TokenSigner signer(TokenProperties token, RedisProperties redis) {
        if (token.configured()) {
            if (token.secret().length() < MIN_SECRET_LENGTH) {
                throw new MissingSettingException("JOBWATCH_TOKEN_SECRET",
                        "is too short: use at least " + MIN_SECRET_LENGTH + " random characters.");
            }
            return new TokenSigner(token.secret().getBytes(StandardCharsets.UTF_8), token.ttl(), Clock.systemUTC());
        }
        if (!redis.embedded()) {
            throw new MissingSettingException("JOBWATCH_TOKEN_SECRET",
                    "is not set: with an external Redis (JOBWATCH_REDIS_URL) every pod must sign job "
                            + "tokens with the same secret; set it to at least " + MIN_SECRET_LENGTH
                            + " random characters.");
        }
        log.warn("JOBWATCH_TOKEN_SECRET is not set: local mode, job tokens are signed with a random "
                + "secret and stop working when this process stops.");
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return new TokenSigner(secret, token.ttl(), Clock.systemUTC());
    }
}
