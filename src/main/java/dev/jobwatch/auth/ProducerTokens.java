package dev.jobwatch.auth;

import dev.jobwatch.config.AuthProperties;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The configured producer tokens, each for every namespace or for some; none configured means producer
 * routes are open (local mode).
 *
 * <p>An entry of {@code JOBWATCH_AUTH_TOKENS} is {@code token} (every namespace) or
 * {@code token@scope}, where the scope is namespaces separated by {@code |}, each a whole name
 * ({@code billing}) or a prefix ending in {@code *} ({@code team-a-*}); {@code *} alone is every
 * namespace. A token cannot hold {@code @}, which starts its scope.
 */
public final class ProducerTokens {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{3,100}");
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9._-]{0,99}\\*");

    /** @param names whole namespaces; @param prefixes namespace prefixes; both empty: every namespace */
    private record Known(byte[] token, List<String> names, List<String> prefixes) {

        boolean covers(String namespace) {
            return (names.isEmpty() && prefixes.isEmpty())
                    || names.contains(namespace)
                    || prefixes.stream().anyMatch(namespace::startsWith);
        }
    }

    private final List<Known> tokens;

    private ProducerTokens(List<Known> tokens) {
        this.tokens = tokens;
    }

    /**
     * Reads the entries of {@code JOBWATCH_AUTH_TOKENS}. How long a token must be depends on where the
     * jobs live, and is a rule of the settings ({@link dev.jobwatch.config.SettingRules}).
     *
     * @throws IllegalArgumentException naming the entry (by position, never by its text) that is wrong
     */
    public static ProducerTokens parse(List<String> entries) {
        List<Known> tokens = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            String entry = entries.get(i);
            String where = "entry " + (i + 1) + " of " + entries.size();
            int at = entry.indexOf('@');
            String token = AuthProperties.tokenOf(entry);
            if (token.isEmpty() || entry.indexOf('@', at + 1) > 0) {
                throw new IllegalArgumentException("has an entry that is not token or token@scope (" + where
                        + "): a token may not be empty or hold '@', which starts its scope.");
            }
            List<String> names = new ArrayList<>();
            List<String> prefixes = new ArrayList<>();
            if (at >= 0) {
                for (String namespace : entry.substring(at + 1).split("\\|", -1)) {
                    if (namespace.equals("*")) {
                        names.clear();
                        prefixes.clear();
                        break;
                    }
                    if (PREFIX.matcher(namespace).matches()) {
                        prefixes.add(namespace.substring(0, namespace.length() - 1));
                    } else if (NAME.matcher(namespace).matches()) {
                        names.add(namespace);
                    } else {
                        throw new IllegalArgumentException("has a namespace scope that is not a namespace or a "
                                + "prefix ending in '*' (" + where + "): write token@ns1|ns2|prefix-*, or leave out "
                                + "@... for every namespace.");
                    }
                }
            }
            tokens.add(new Known(token.getBytes(StandardCharsets.UTF_8), List.copyOf(names), List.copyOf(prefixes)));
        }
        return new ProducerTokens(List.copyOf(tokens));
    }

    public boolean open() {
        return tokens.isEmpty();
    }

    /**
     * Whether the token is a producer's whose scope holds the namespace. Compares with every configured
     * token, in constant time each, so timing tells nothing about the token.
     */
    public boolean accepts(String token, String namespace) {
        if (open()) {
            return true;
        }
        if (token == null) {
            return false;
        }
        byte[] candidate = token.getBytes(StandardCharsets.UTF_8);
        boolean accepted = false;
        for (Known known : tokens) {
            accepted |= MessageDigest.isEqual(known.token(), candidate) && known.covers(namespace);
        }
        return accepted;
    }
}
