package dev.jobwatch.web;

import dev.jobwatch.auth.Access;
import dev.jobwatch.job.JobRef;
import org.springframework.http.HttpCookie;
import org.springframework.web.reactive.function.server.ServerRequest;

/**
 * Who may read a job through Windmill's routes: the job named by the path ({@code ws}, {@code id}),
 * opened by a producer token or that job's watch token (or by nothing when watching is open).
 */
record WatcherAccess(Access access) {

    /** The job the request names, once its token opens it; 400 for a malformed name, 401 for a wrong token. */
    JobRef authorized(ServerRequest request) {
        JobRef ref = new JobRef(request.pathVariable("ws"), request.pathVariable("id"));
        access.requireWatcher(token(request), ref);
        return ref;
    }

    /** Browsers' EventSource cannot set headers, so the token may also come as a cookie or a query argument. */
    private static String token(ServerRequest request) {
        String bearer = WorkerHandler.bearer(request);
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
