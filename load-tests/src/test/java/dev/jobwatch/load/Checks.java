package dev.jobwatch.load;

import static io.gatling.javaapi.core.CoreDsl.bodyString;

import io.gatling.javaapi.core.CheckBuilder;
import io.gatling.javaapi.core.Session;
import java.util.function.BiFunction;

/** A check of a response body or SSE message by a Java function, whose message shows in Gatling's error table. */
final class Checks {

    private Checks() {}

    /**
     * Passes when {@code verdict} answers {@link Watch#OK}; otherwise fails the request or SSE check with the
     * verdict, which Gatling's report lists under Errors.
     */
    static CheckBuilder.Final body(String name, BiFunction<String, Session, String> verdict) {
        return bodyString().validate(name, (body, session) -> {
            String result = verdict.apply(body, session);
            if (!Watch.OK.equals(result)) {
                throw new IllegalStateException(result);
            }
            return body;
        });
    }
}
