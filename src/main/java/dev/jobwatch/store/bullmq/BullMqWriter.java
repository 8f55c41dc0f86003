package dev.jobwatch.store.bullmq;

import dev.jobwatch.job.JobNotFoundException;
import dev.jobwatch.job.JobNotHeldException;
import dev.jobwatch.job.JobRef;
import dev.jobwatch.store.LuaScript;
import dev.jobwatch.store.RedisJobStore;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import reactor.core.publisher.Mono;

/** The worker routes' writes to BullMQ's jobs, each one script that checks the lock and writes as BullMQ does. */
public final class BullMqWriter implements BullMqJobs {

    private final Mono<RedisClusterReactiveCommands<String, String>> redis;
    private final BullMqQueues queues;
    private final LuaScript progressScript = LuaScript.load("bullmq/progress");
    private final LuaScript addLogScript = LuaScript.load("bullmq/addlog");

    public BullMqWriter(Mono<RedisClusterReactiveCommands<String, String>> redis, BullMqQueues queues) {
        this.redis = redis;
        this.queues = queues;
    }

    @Override
    public boolean owns(String namespace) {
        return queues.owns(namespace);
    }

    @Override
    public Mono<Void> requireLock(JobRef ref, String token) {
        return queues.served(ref).then(Mono.defer(() -> token == null ? Mono.error(new JobNotHeldException())
                : redis.flatMap(commands -> commands.get(queues.lock(ref)))
                        .onErrorMap(RedisJobStore::translate)
                        .filter(token::equals)
                        .switchIfEmpty(Mono.error(new JobNotHeldException()))
                        .then()));
    }

    @Override
    public Mono<Void> progress(JobRef ref, String token, String json) {
        String queue = BullMqQueues.queue(ref.namespace());
        return locked(progressScript, ref, token, new String[] {queues.job(ref), queues.events(queue),
                queues.meta(queue), queues.lock(ref)}, ref.id(), json, token);
    }

    @Override
    public Mono<Void> appendLog(JobRef ref, String token, String row) {
        return locked(addLogScript, ref, token, new String[] {queues.job(ref), queues.logs(ref), queues.lock(ref)},
                row, token);
    }

    private Mono<Void> locked(LuaScript script, JobRef ref, String token, String[] keys, String... args) {
        if (token == null) {
            return Mono.error(new JobNotHeldException());
        }
        return queues.served(ref).then(redis.flatMap(commands -> script.<String>run(commands, ScriptOutputType.VALUE, keys, args).next())
                .onErrorMap(RedisJobStore::translate)
                .flatMap(status -> switch (status) {
                    case "OK" -> Mono.<Void>empty();
                    case "UNAUTHORIZED" -> Mono.error(new JobNotHeldException());
                    case "NOTFOUND" -> Mono.error(new JobNotFoundException());
                    default -> Mono.error(new IllegalStateException("unexpected script reply " + status));
                }));
    }
}
