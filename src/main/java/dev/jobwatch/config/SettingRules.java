package dev.jobwatch.config;

import java.util.List;
import org.springframework.util.unit.DataSize;
import org.springframework.util.unit.DataUnit;

/**
 * Every rule that ties two or more settings together, in one place. A rule that one setting can break
 * alone stays on its record (as {@code @Min} and the like, checked as it is bound); a rule here is
 * checked once at start, every bean made and before the server takes a request, and a broken one stops
 * the start with a {@link InvalidSettingException} whose message names each variable it involves. No
 * setting is ever quietly raised or lowered to make a rule hold: the operator chose it, and learns why
 * it cannot be.
 */
public record SettingRules(
        RedisProperties redis,
        AuthProperties auth,
        LimitProperties limits,
        RetentionProperties retention,
        WatchProperties watch,
        BullMqProperties bullmq) {

    /** @throws InvalidSettingException for the first rule that does not hold, in the order written here */
    public void check() {
        if (!redis.embedded()) {
            producerTokensWithAnExternalRedis();
            tokenSecretWithAnExternalRedis();
        }
        retentionHoldsTheLargestRow();
        watchPageHoldsTheLargestRow();
        bullMqPrefixOnACluster();
    }

    private void producerTokensWithAnExternalRedis() {
        List<String> entries = auth.producerTokens();
        if (entries.isEmpty()) {
            throw new InvalidSettingException(
                    AuthProperties.TOKENS_VARIABLE,
                    "is not set: with an external Redis (" + RedisProperties.VARIABLE + ") producer routes need "
                            + "tokens; set it to a comma-separated list of producer tokens of at least "
                            + AuthProperties.MIN_PRODUCER_TOKEN_LENGTH + " characters, each optionally limited "
                            + "to namespaces (token@ns1|ns2|prefix-*).");
        }
        for (int i = 0; i < entries.size(); i++) {
            // Named by position only: the message goes to the log, and the token is a credential.
            if (AuthProperties.tokenOf(entries.get(i)).length() < AuthProperties.MIN_PRODUCER_TOKEN_LENGTH) {
                throw new InvalidSettingException(
                        AuthProperties.TOKENS_VARIABLE,
                        "has a token shorter than "
                                + AuthProperties.MIN_PRODUCER_TOKEN_LENGTH + " characters (entry " + (i + 1) + " of "
                                + entries.size() + "), which an external Redis (" + RedisProperties.VARIABLE + ") does "
                                + "not allow: use long random tokens, such as the output of "
                                + "`head -c 32 /dev/urandom | base64`.");
            }
        }
    }

    private void tokenSecretWithAnExternalRedis() {
        if (!auth.token().configured()) {
            throw new InvalidSettingException(
                    AuthProperties.SECRET_VARIABLE,
                    "is not set: with an external Redis (" + RedisProperties.VARIABLE + ") every pod must sign "
                            + "job tokens with the same secret; set it to at least "
                            + AuthProperties.MIN_SECRET_LENGTH + " random characters.");
        }
    }

    private void retentionHoldsTheLargestRow() {
        if (retention.log().toBytes() <= limits.log().toBytes()) {
            throw new InvalidSettingException(
                    List.of("JOBWATCH_RETENTION_LOG", "JOBWATCH_LIMIT_LOG"),
                    "JOBWATCH_RETENTION_LOG (" + size(retention.log()) + ") must be larger than JOBWATCH_LIMIT_LOG ("
                            + size(limits.log()) + "): past the retention the oldest log rows are dropped, and the "
                            + "row just appended must always stay.");
        }
    }

    private void watchPageHoldsTheLargestRow() {
        if (watch.page().toBytes() <= limits.log().toBytes()) {
            throw new InvalidSettingException(
                    List.of("JOBWATCH_WATCH_PAGE", "JOBWATCH_LIMIT_LOG"),
                    "JOBWATCH_WATCH_PAGE (" + size(watch.page()) + ") must be larger than JOBWATCH_LIMIT_LOG ("
                            + size(limits.log()) + "): one read of a watched log must hold the largest log row "
                            + "with its newline.");
        }
    }

    private void bullMqPrefixOnACluster() {
        if (bullmq.enabled() && redis.isCluster() && !isHashTag(bullmq.prefix())) {
            throw new InvalidSettingException(
                    "JOBWATCH_BULLMQ_PREFIX",
                    "(" + bullmq.prefix() + ") must be a "
                            + "hash tag such as {" + bullmq.prefix()
                            + "} on a Redis Cluster (JOBWATCH_REDIS_CLUSTER, or a "
                            + RedisProperties.VARIABLE + " list of more than one URL): only then does BullMQ keep a "
                            + "queue's keys in one slot, where jobwatch reads them together. Use the prefix that BullMQ's "
                            + "Queue and Worker were given.");
        }
    }

    /** As an operator writes a size: {@code 64KB} rather than {@code DataSize}'s {@code 65536B}. */
    private static String size(DataSize size) {
        long bytes = size.toBytes();
        for (DataUnit unit :
                new DataUnit[] {DataUnit.TERABYTES, DataUnit.GIGABYTES, DataUnit.MEGABYTES, DataUnit.KILOBYTES}) {
            long per = DataSize.of(1, unit).toBytes();
            if (bytes != 0 && bytes % per == 0) {
                return bytes / per + unit.name().substring(0, 1) + "B";
            }
        }
        return bytes + "B";
    }

    /**
     * Whether every key that starts with the prefix hashes by a part of the prefix: Redis Cluster hashes
     * a key by what lies between its first {@code {} and the next {@code }}, when that is not empty.
     */
    private static boolean isHashTag(String prefix) {
        int open = prefix.indexOf('{');
        return open >= 0 && prefix.indexOf('}', open + 1) > open + 1;
    }
}
