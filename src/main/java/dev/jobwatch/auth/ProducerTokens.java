package dev.jobwatch.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/** The configured producer tokens; none configured means producer routes are open (local mode). */
public final class ProducerTokens {

    private final List<byte[]> tokens;

    public ProducerTokens(List<String> tokens) {
        this.tokens = tokens.stream().map(token -> token.getBytes(StandardCharsets.UTF_8)).toList();
    }

    public boolean open() {
        return tokens.isEmpty();
    }

    /** Checks every configured token, in constant time each, so timing tells nothing. */
    public boolean accepts(String token) {
        if (open()) {
            return true;
        }
        if (token == null) {
            return false;
        }
        byte[] candidate = token.getBytes(StandardCharsets.UTF_8);
        boolean accepted = false;
        for (byte[] known : tokens) {
            accepted |= MessageDigest.isEqual(known, candidate);
        }
        return accepted;
    }
}
