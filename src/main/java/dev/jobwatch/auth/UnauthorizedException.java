package dev.jobwatch.auth;

/** A missing or wrong token, or a token for another job (401, body {@code Unauthorized}). */
public class UnauthorizedException extends RuntimeException {

    public UnauthorizedException() {
        super("Unauthorized", null, false, false);
    }
}
