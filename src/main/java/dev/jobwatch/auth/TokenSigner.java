package dev.jobwatch.auth;

import dev.jobwatch.job.JobRef;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Job and watch tokens: an HMAC over what the token is for and the job's name, so that any pod with
 * the same secret checks one without asking Redis.
 *
 * <p>Without a time to live a token is the bare MAC and holds as long as the secret. With one, a token
 * is {@code <expiry in epoch seconds>.<MAC>} and the expiry is signed with the rest, so it cannot be
 * pushed back; a bare MAC is then refused, since it would never expire.
 */
public final class TokenSigner {

    /** What a token lets its holder do; part of the signed text, so one kind never passes for another. */
    public enum Purpose {
        JOB, WATCH
    }

    private static final String ALGORITHM = "HmacSHA256";
    /** Enough digits for any epoch second this server will see; more is not a token of ours. */
    private static final int MAX_EXPIRY_DIGITS = 12;

    private final SecretKeySpec key;
    private final Duration ttl;
    private final Clock clock;

    /** Tokens that expire {@code ttl} after they were issued, or never when {@code ttl} is null. */
    public TokenSigner(byte[] secret, Duration ttl, Clock clock) {
        this.key = new SecretKeySpec(secret, ALGORITHM);
        this.ttl = ttl;
        this.clock = clock;
    }

    public String issue(Purpose purpose, JobRef ref) {
        if (ttl == null) {
            return encode(mac(signed(purpose, ref)));
        }
        long expiry = clock.instant().plus(ttl).getEpochSecond();
        return expiry + "." + encode(mac(signed(purpose, ref) + "\n" + expiry));
    }

    /** Compares in constant time, so the time taken says nothing about how much of a guess was right. */
    public boolean verify(Purpose purpose, JobRef ref, String token) {
        if (token == null) {
            return false;
        }
        int dot = token.indexOf('.');
        if (dot < 0) {
            return ttl == null && matches(mac(signed(purpose, ref)), token);
        }
        String expiry = token.substring(0, dot);
        if (expiry.isEmpty() || expiry.length() > MAX_EXPIRY_DIGITS || !expiry.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return false;
        }
        if (clock.instant().getEpochSecond() >= Long.parseLong(expiry)) {
            return false;
        }
        return matches(mac(signed(purpose, ref) + "\n" + expiry), token.substring(dot + 1));
    }

    private static boolean matches(byte[] mac, String candidate) {
        return MessageDigest.isEqual(encode(mac).getBytes(StandardCharsets.US_ASCII),
                candidate.getBytes(StandardCharsets.US_ASCII));
    }

    private static String signed(Purpose purpose, JobRef ref) {
        return purpose.name() + "\n" + ref.namespace() + "\n" + ref.id();
    }

    private static String encode(byte[] mac) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(mac);
    }

    private byte[] mac(String signed) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(signed.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
