package dev.jobwatch.auth;

import dev.jobwatch.job.JobRef;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Job and watch tokens: an HMAC over what the token is for and the job's name, so that any pod with
 * the same secret checks one without asking Redis.
 */
public final class TokenSigner {

    /** What a token lets its holder do; part of the signed text, so one kind never passes for another. */
    public enum Purpose {
        JOB, WATCH
    }

    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;

    public TokenSigner(byte[] secret) {
        this.key = new SecretKeySpec(secret, ALGORITHM);
    }

    public String issue(Purpose purpose, JobRef ref) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(mac(purpose, ref));
    }

    /** Compares in constant time, so the time taken says nothing about how much of a guess was right. */
    public boolean verify(Purpose purpose, JobRef ref, String token) {
        if (token == null) {
            return false;
        }
        return MessageDigest.isEqual(issue(purpose, ref).getBytes(StandardCharsets.US_ASCII),
                token.getBytes(StandardCharsets.US_ASCII));
    }

    private byte[] mac(Purpose purpose, JobRef ref) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            String signed = purpose.name() + "\n" + ref.namespace() + "\n" + ref.id();
            return mac.doFinal(signed.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
