package dev.jobwatch.store;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.springframework.core.io.ClassPathResource;
import reactor.core.publisher.Flux;

/** A script from {@code resources/scripts}, with the SHA-1 that Redis will know it by. */
public record LuaScript(String name, String body, String sha) {

    /** @param name the path under {@code resources/scripts}, without {@code .lua} */
    public static LuaScript load(String name) {
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

    /**
     * Calls the script by SHA; when the node does not know it (first use, a restart, a new master after
     * a failover) it sends the body once with EVAL, which runs it on the key's own node and caches it
     * there for the next EVALSHA. Callers go through {@link RedisCalls}, which types the failures.
     */
    <T> Flux<T> run(
            RedisClusterReactiveCommands<String, String> redis, ScriptOutputType type, String[] keys, String... args) {
        return Flux.defer(() -> redis.<T>evalsha(sha, type, keys, args))
                .onErrorResume(
                        RedisNoScriptException.class,
                        missing -> Flux.defer(() -> redis.<T>eval(body, type, keys, args)));
    }
}
