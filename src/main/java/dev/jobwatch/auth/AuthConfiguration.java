package dev.jobwatch.auth;

import dev.jobwatch.config.AuthProperties;
import dev.jobwatch.config.InvalidSettingException;
import dev.jobwatch.config.RedisProperties;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Local mode (embedded Redis) may run without producer tokens, with a random secret and with open
 * watchers, and says so at every start; watchers need a token unless open watching is set explicitly
 * (which it logs too). That a real Redis needs tokens and a secret is a rule of two settings, which
 * {@link dev.jobwatch.config.SettingRules} checks before the server takes a request; this class checks
 * only what one setting gets wrong alone.
 */
@Configuration(proxyBeanMethods = false)
class AuthConfiguration {

    private static final Logger log = LoggerFactory.getLogger(AuthConfiguration.class);

    @Bean
    Access access(AuthProperties auth, RedisProperties redis) {
        return new Access(producerTokens(auth, redis), signer(auth.token(), redis), watchersOpen(auth, redis));
    }

    private static boolean watchersOpen(AuthProperties auth, RedisProperties redis) {
        boolean open = auth.watchersOpen(redis);
        if (open) {
            log.warn(
                    "Watchers are OPEN ({}): anyone who can reach this port reads any job's args, logs, progress "
                            + "and result by its namespace and id; set JOBWATCH_WATCH_AUTH=token to require a producer "
                            + "or watch token.",
                    auth.watch().auth() == null
                            ? "JOBWATCH_WATCH_AUTH is not set: local mode"
                            : "JOBWATCH_WATCH_AUTH=open");
        }
        return open;
    }

    private static ProducerTokens producerTokens(AuthProperties auth, RedisProperties redis) {
        if (auth.producerTokens().isEmpty() && redis.embedded()) {
            log.warn("JOBWATCH_AUTH_TOKENS is not set: local mode, producer routes (add, get, cancel jobs) "
                    + "are OPEN to anyone who can reach this port.");
        }
        try {
            return ProducerTokens.parse(auth.producerTokens());
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException(AuthProperties.TOKENS_VARIABLE, e.getMessage());
        }
    }

    private static TokenSigner signer(AuthProperties.Tokens token, RedisProperties redis) {
        if (token.configured()) {
            if (token.secret().length() < AuthProperties.MIN_SECRET_LENGTH) {
                throw new InvalidSettingException(
                        AuthProperties.SECRET_VARIABLE,
                        "is too short: use at least " + AuthProperties.MIN_SECRET_LENGTH + " random characters.");
            }
            return new TokenSigner(token.secret().getBytes(StandardCharsets.UTF_8), token.ttl(), Clock.systemUTC());
        }
        if (redis.embedded()) {
            log.warn("JOBWATCH_TOKEN_SECRET is not set: local mode, job tokens are signed with a random "
                    + "secret and stop working when this process stops.");
        }
        // With an external Redis the start stops at the setting rules, before this secret signs a token.
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return new TokenSigner(secret, token.ttl(), Clock.systemUTC());
    }
}
