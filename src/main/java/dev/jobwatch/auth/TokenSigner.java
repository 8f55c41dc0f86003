package dev.jobwatch.auth;

import dev.jobwatch.job.JobRef;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Job and watch tokens: an HMAC over what the token is for, the job's name and the job's incarnation,
 * so that any pod with the same secret checks one without asking Redis.
 *
 * <p>The incarnation is a random value the store gave the job when it was added. It travels in the
 * token, in clear and signed, and the store compares it with the job's own: a job that expires and a
 * later one that takes its id have different incarnations, so the first one's tokens never open the
 * second. Checking the signature here says only that the token was issued for some incarnation of
 * this job; the caller must still hold the incarnation against the job's.
 *
 * <p>Without a time to live a token is {@code <incarnation>.<MAC>} and holds as long as the secret.
 * With one, a token is {@code <incarnation>.<expiry in epoch seconds>.<MAC>} and the expiry is signed
 * with the rest, so it cannot be pushed back; a token without expiry is then refused, since it would
 * never expire.
 */
public final class TokenSigner {

    /** What a token lets its holder do; part of the signed text, so one kind never passes for another. */
    public enum Purpose {
        JOB,
        WATCH
    }

    private static final String ALGORITHM = "HmacSHA256";
    /** Enough digits for any epoch second this server will see; more is not a token of ours. */
    private static final Pattern EXPIRY = Pattern.compile("[0-9]{1,12}");
    /** What the store issues as an incarnation (base64url), with room to change its length. */
    private static final Pattern INCARNATION = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final SecretKeySpec key;
    private final Duration ttl;
    private final Clock clock;

    /** Tokens that expire {@code ttl} after they were issued, or never when {@code ttl} is null. */
    public TokenSigner(byte[] secret, Duration ttl, Clock clock) {
        this.key = new SecretKeySpec(secret, ALGORITHM);
        this.ttl = ttl;
        this.clock = clock;
    }

    /** @param incarnation the job's incarnation, as the store gave it at the add */
    public String issue(Purpose purpose, JobRef ref, String incarnation) {
        if (!INCARNATION.matcher(incarnation).matches()) {
            throw new IllegalArgumentException("not an incarnation the store issues");
        }
        if (ttl == null) {
            return incarnation + "." + encode(mac(signed(purpose, ref, incarnation)));
        }
        long expiry = clock.instant().plus(ttl).getEpochSecond();
        return incarnation + "." + expiry + "." + encode(mac(signed(purpose, ref, incarnation) + "\n" + expiry));
    }

    /**
     * The incarnation a genuine, unexpired token for this purpose and job names, or null for any other
     * token. Compares in constant time, so the time taken says nothing about how much of a guess was right.
     */
    public String verify(Purpose purpose, JobRef ref, String token) {
        if (token == null) {
            return null;
        }
        String[] parts = token.split("\\.", -1);
        if (parts.length < 2
                || parts.length > 3
                || !INCARNATION.matcher(parts[0]).matches()) {
            return null;
        }
        String incarnation = parts[0];
        String signed = signed(purpose, ref, incarnation);
        if (parts.length == 2) {
            return ttl == null && matches(mac(signed), parts[1]) ? incarnation : null;
        }
        String expiry = parts[1];
        if (!EXPIRY.matcher(expiry).matches() || clock.instant().getEpochSecond() >= Long.parseLong(expiry)) {
            return null;
        }
        return matches(mac(signed + "\n" + expiry), parts[2]) ? incarnation : null;
    }

    private static boolean matches(byte[] mac, String candidate) {
        return MessageDigest.isEqual(
                encode(mac).getBytes(StandardCharsets.US_ASCII), candidate.getBytes(StandardCharsets.US_ASCII));
    }

    private static String signed(Purpose purpose, JobRef ref, String incarnation) {
        return purpose.name() + "\n" + ref.namespace() + "\n" + ref.id() + "\n" + incarnation;
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
