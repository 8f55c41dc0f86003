package dev.jobwatch.store;

import dev.jobwatch.job.IdempotencyKey;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A write's idempotency key and the fingerprint of the write it names: the script and the content the
 * write carries. A job keeps the fingerprint with the key, so that a retry (the same fingerprint) is
 * answered as the write was, and another write sent with the key (another fingerprint) is refused. The
 * content is what the worker sent, never a setting of the pod that serves it, so a retry through another
 * pod matches.
 *
 * @param fingerprint 128 bits of SHA-256, in hex; empty without a key
 */
public record Keyed(IdempotencyKey key, String fingerprint) {

    public static final Keyed NONE = new Keyed(IdempotencyKey.NONE, "");

    public Keyed(IdempotencyKey key, LuaScript script, String... content) {
        this(key, key.present() ? fingerprint(script, content) : "");
    }

    private static String fingerprint(LuaScript script, String... content) {
        MessageDigest sha = sha256();
        update(sha, script.name());
        for (String part : content) {
            update(sha, part);
        }
        return HexFormat.of().formatHex(sha.digest(), 0, 16);
    }

    /** Each part with its length first, so that no two lists of parts hash alike. */
    private static void update(MessageDigest sha, String part) {
        byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
        sha.update(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
        sha.update((byte) ':');
        sha.update(bytes);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
