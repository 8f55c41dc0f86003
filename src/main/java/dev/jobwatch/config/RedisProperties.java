package dev.jobwatch.config;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Where the job state lives.
 *
 * @param url     {@code redis://} or {@code rediss://} URL (env {@code JOBWATCH_REDIS_URL}), or a
 *                comma-separated seed list of a Redis Cluster; empty (the default) starts an embedded
 *                Redis on a free loopback port, for local use only. Logged and reported only as
 *                {@link #redacted}, without its user and password
 * @param cluster whether the URL names a Redis Cluster (env {@code JOBWATCH_REDIS_CLUSTER}); a seed
 *                list of more than one URL implies it
 * @param prefix  first part of every key and channel (env {@code JOBWATCH_REDIS_PREFIX}), default
 *                {@code jobwatch}; no braces, so it cannot break a job's hash tag
 * @param timeout how long one Redis command may take before the request gets 503 (env
 *                {@code JOBWATCH_REDIS_TIMEOUT}), default 2 s
 */
@Validated
@ConfigurationProperties("jobwatch.redis")
public record RedisProperties(
        String url,
        @DefaultValue("false") boolean cluster,

        @DefaultValue("jobwatch") @Pattern(regexp = "[A-Za-z0-9._:-]{1,64}")
        String prefix,

        @DefaultValue("2s") @NotNull Duration timeout) {

    /** The environment variable of {@link #url}, as failures name it. */
    public static final String VARIABLE = "JOBWATCH_REDIS_URL";

    /**
     * One URL of the list: its user and password up to its last {@code @}, then a host name or a bracketed
     * IPv6 address, a numeric port, and a database or arguments. A password with an unencoded comma splits
     * its URL in two, and one of the halves fails here, rather than reaching Lettuce as a host name that
     * its errors (and DNS) would show.
     */
    private static final java.util.regex.Pattern ENTRY = java.util.regex.Pattern.compile(
            "rediss?://(?:\\S*@)?(?:\\[[0-9A-Fa-f:.]+]|[^\\s:/?#@\\[\\]]+)(?::\\d{1,5})?(?:[/?]\\S*)?");
    /**
     * From a scheme's {@code //} to the last {@code @} before the next URL of a list: a password written
     * unencoded may hold {@code /}, {@code @}, a comma or a space.
     */
    private static final java.util.regex.Pattern USER_INFO =
            java.util.regex.Pattern.compile("(?i)(//)(?:(?!rediss?://).)*@");

    private static final java.util.regex.Pattern PASSWORD_ARGUMENT =
            java.util.regex.Pattern.compile("(?i)((?:password|pass|pwd)=)[^&,\\s]*");

    public boolean embedded() {
        return url == null || url.isBlank();
    }

    /**
     * The URLs of the seed list, or the one URL. Checked here rather than by a validation annotation:
     * Spring's report of a value that fails validation prints the value, password and all.
     *
     * @throws InvalidSettingException naming the entry that is not a {@code redis://} or {@code rediss://}
     *                                 URL by its position, never by its text, which may hold a password
     */
    public List<String> urls() {
        if (embedded()) {
            return List.of();
        }
        List<String> entries =
                Arrays.stream(url.split(",", -1)).map(String::trim).toList();
        for (int i = 0; i < entries.size(); i++) {
            if (!ENTRY.matcher(entries.get(i)).matches()) {
                throw new InvalidSettingException(
                        VARIABLE,
                        "must be a redis:// or rediss:// URL, or a comma-separated list of them; entry " + (i + 1)
                                + " of " + entries.size()
                                + " is not redis[s]://[[user]:password@]host[:port][/database] "
                                + "(its text is not shown: it may hold a password). In a password, write a comma as "
                                + "%2C, a space as %20 and @ as %40.");
            }
        }
        return entries;
    }

    /**
     * The text with the user and password of every URL in it replaced by {@code ***}, and any
     * {@code password=} argument's value: the form in which a Redis URL may be logged or reported.
     */
    public static String redacted(String text) {
        if (text == null) {
            return null;
        }
        String withoutUsers = USER_INFO.matcher(text).replaceAll("$1***@");
        return PASSWORD_ARGUMENT.matcher(withoutUsers).replaceAll("$1***");
    }

    public boolean isCluster() {
        return cluster || urls().size() > 1;
    }

    /** As a record prints itself, with the URL's credentials left out. */
    @Override
    public String toString() {
        return "RedisProperties[url=" + redacted(url) + ", cluster=" + cluster + ", prefix=" + prefix + ", timeout="
                + timeout + "]";
    }
}
