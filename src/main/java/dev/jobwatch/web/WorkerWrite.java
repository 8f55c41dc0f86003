package dev.jobwatch.web;

/**
 * The five writes of a job's worker, each a {@code POST} to a path of its own under the job, as
 * BullMQ's HTTP API names them. {@link WorkerHandler#write} serves them all, on Reactor Netty's own
 * routes ({@link NettyWriteRoutes}) and on WebFlux's routes alike.
 */
enum WorkerWrite {
    START("start"),
    PROGRESS("progress"),
    LOG("logs"),
    CHUNK("stream"),
    COMPLETE("complete");

    private final String action;
    private final String pattern;

    WorkerWrite(String action) {
        this.action = action;
        this.pattern = "/queues/{q}/jobs/{id}/" + action;
    }

    /** Its route's path pattern, which is also the {@code uri} of its request metrics. */
    String pattern() {
        return pattern;
    }

    /** The write whose path ends in {@code action}, or null for none. */
    static WorkerWrite named(String action) {
        for (WorkerWrite write : values()) {
            if (write.action.equals(action)) {
                return write;
            }
        }
        return null;
    }
}
