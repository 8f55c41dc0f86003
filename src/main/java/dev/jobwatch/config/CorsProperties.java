package dev.jobwatch.config;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Which web pages may watch jobs from a browser on another origin.
 *
 * @param origins origins allowed to call the watcher routes (env {@code JOBWATCH_CORS_ORIGINS},
 *                comma-separated, e.g. {@code https://app.example.com}); empty (the default) allows none,
 *                {@code *} allows any origin but without cookies
 */
@ConfigurationProperties("jobwatch.cors")
public record CorsProperties(@DefaultValue List<String> origins) {

    public List<String> origins() {
        return origins.stream()
                .map(String::trim)
                .filter(origin -> !origin.isEmpty())
                .toList();
    }

    public boolean anyOrigin() {
        return origins().contains("*");
    }
}
