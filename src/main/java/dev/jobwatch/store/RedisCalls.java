package dev.jobwatch.store;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The shared command connection as the stores call it: every command and script goes through here, so
 * that Redis's failures become the store's typed exceptions ({@link StoreFailures}) once, at the edge.
 */
public final class RedisCalls {

    private final Mono<RedisClusterReactiveCommands<String, String>> commands;

    public RedisCalls(Mono<RedisClusterReactiveCommands<String, String>> commands) {
        this.commands = commands;
    }

    public <T> Flux<T> many(Function<RedisClusterReactiveCommands<String, String>, Publisher<T>> call) {
        return commands.flatMapMany(call).onErrorMap(StoreFailures::translate);
    }

    public <T> Mono<T> one(Function<RedisClusterReactiveCommands<String, String>, Mono<T>> call) {
        return commands.flatMap(call).onErrorMap(StoreFailures::translate);
    }

    /** A script whose reply is one value: a status word or a list, which its reply record decodes. */
    public <T> Mono<T> script(LuaScript script, ScriptOutputType type, String[] keys, String... args) {
        return commands.flatMap(redis -> script.<T>run(redis, type, keys, args).next())
                .onErrorMap(StoreFailures::translate);
    }
}
