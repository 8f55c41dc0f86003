package dev.jobwatch.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.springframework.core.io.ClassPathResource;

/** A script from {@code resources/scripts}, with the SHA-1 that Redis will know it by. */
record LuaScript(String name, String body, String sha) {

    static LuaScript load(String name) {
        try (var in = new ClassPathResource("scripts/" + name + ".lua").getInputStream()) {
            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(body.getBytes(StandardCharsets.UTF_8));
            return new LuaScript(name, body, HexFormat.of().formatHex(digest));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read script " + name, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
