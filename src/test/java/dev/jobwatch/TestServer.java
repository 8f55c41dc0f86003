package dev.jobwatch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** A whole jobwatch server on a random port, as a pod would run, for tests that need more than one. */
public final class TestServer implements AutoCloseable {

    private final ConfigurableApplicationContext context;

    /** On a random port unless {@code properties} set {@code server.port}, as a test that restarts a server on its port does. */
    public TestServer(String redisUrl, String... properties) {
        List<String> all = new ArrayList<>(List.of(
                "jobwatch.redis.url=" + redisUrl,
                "jobwatch.auth.tokens=producer-token-1",
                "jobwatch.token.secret=test-secret-for-jobwatch-0123456789"));
        if (Arrays.stream(properties).noneMatch(property -> property.startsWith("server.port="))) {
            all.add("server.port=0");
        }
        all.addAll(List.of(properties));
        // As arguments, so they outrank application.properties as a deployment's settings would.
        context = new SpringApplicationBuilder(JobwatchApplication.class)
                .run(all.stream().map(property -> "--" + property).toArray(String[]::new));
    }

    /** Starts a server with only these settings (and a random port) and stops it, for tests of what a start says or refuses. */
    public static void startAndStop(String... properties) {
        String[] arguments = new String[properties.length + 1];
        for (int i = 0; i < properties.length; i++) {
            arguments[i] = "--" + properties[i];
        }
        arguments[properties.length] = "--server.port=0";
        new SpringApplicationBuilder(JobwatchApplication.class).run(arguments).close();
    }

    public int port() {
        return context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    @Override
    public void close() {
        context.close();
    }
}
