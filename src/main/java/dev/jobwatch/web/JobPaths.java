package dev.jobwatch.web;

import dev.jobwatch.job.JobRef;

/** The job a route's path names: {@code q} and {@code id} on BullMQ's routes, {@code ws} and {@code id} on Windmill's. */
final class JobPaths {

    private JobPaths() {}

    /** 400 when a name is malformed. */
    static JobRef queueJob(RequestView request) {
        return new JobRef(request.pathVariable("q"), request.pathVariable("id"));
    }

    /** 400 when a name is malformed. */
    static JobRef workspaceJob(RequestView request) {
        return new JobRef(request.pathVariable("ws"), request.pathVariable("id"));
    }
}
