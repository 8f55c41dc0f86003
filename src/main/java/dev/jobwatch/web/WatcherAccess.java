package dev.jobwatch.web;

import dev.jobwatch.auth.Access;
import dev.jobwatch.auth.Grant;
import dev.jobwatch.job.Job;
import dev.jobwatch.job.JobRef;
import dev.jobwatch.store.JobReads;
import org.springframework.http.HttpCookie;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Mono;

/**
 * Who may read a job through Windmill's routes: the job named by the path ({@code ws}, {@code id}),
 * opened by a producer token for its namespace or by that job's watch token (or by nothing when
 * watching is open).
 */
record WatcherAccess(Access access) {

    /**
     * The job the request names and what its token opens of it; 400 for a malformed name, 401 for a
     * wrong token. A watch token's incarnation can only be held against the job's once the job is read.
     */
    Authorized authorized(ServerRequest request) {
        RequestView view = RequestView.of(request);
        JobRef ref = JobPaths.workspaceJob(view);
        return new Authorized(ref, access.requireWatcher(token(request, view), ref));
    }

    /** A job a watcher route may read, and the incarnations of it that the token opens. */
    record Authorized(JobRef ref, Grant grant) {

        /**
         * The job as read, once the grant opens its incarnation: a watch token issued for an earlier job
         * with the same id gets 401, never the later job.
         */
        Mono<Job> job(JobReads store) {
            return store.get(ref).doOnNext(job -> grant.require(job.incarnation()));
        }
    }

    /** Browsers' EventSource cannot set headers, so the token may also come as a cookie or a query argument. */
    private static String token(ServerRequest request, RequestView view) {
        String bearer = Bearer.token(view);
        if (bearer != null) {
            return bearer;
        }
        HttpCookie cookie = request.cookies().getFirst("token");
        if (cookie != null) {
            return cookie.getValue();
        }
        return request.headers().firstHeader(QueryToken.HEADER);
    }
}
