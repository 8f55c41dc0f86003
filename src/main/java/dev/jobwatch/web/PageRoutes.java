package dev.jobwatch.web;

import static org.springframework.web.reactive.function.server.RouterFunctions.route;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * The browser pages: the index of a namespace's recent jobs at {@code /}, one job's live page at
 * {@code /jobs/{namespace}/{id}} (the same page for every job; its script reads the job from the
 * address), and their scripts and styles under {@code /static/}.
 *
 * <p>The files of {@code resources/static} are read once at start and served from memory. Spring's own
 * static handler reads a plain file through an {@code AsynchronousFileChannel} (BlockHound let it pass
 * in a trial run from {@code target/classes}), but an entry of the packaged jar through an
 * {@code InputStream} on the event loop, which is file I/O where nothing may block. These few small
 * files never change while the server runs, so memory is the simple non-blocking way; Spring's handler
 * is off ({@code spring.web.resources.add-mappings=false}) so nothing serves them the other way.
 */
@Configuration(proxyBeanMethods = false)
class PageRoutes {

    /**
     * Pages run only their own files and talk only to their own origin, so an injected string could
     * neither run a script nor send data elsewhere.
     */
    private static final String CONTENT_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private static final Map<String, MediaType> TYPES = Map.of(
            "html", MediaType.parseMediaType("text/html;charset=UTF-8"),
            "js", MediaType.parseMediaType("text/javascript;charset=UTF-8"),
            "css", MediaType.parseMediaType("text/css;charset=UTF-8"));

    @Bean
    RouterFunction<ServerResponse> pages() {
        Map<String, Asset> assets = load("classpath:static/*");
        Asset index = required(assets, "index.html");
        Asset job = required(assets, "job.html");
        return route().GET("/", index::response)
                .GET("/jobs/{namespace}/{id}", job::response)
                .GET("/static/{file}", request -> {
                    Asset asset = assets.get(request.pathVariable("file"));
                    return asset == null ? ServerResponse.notFound().build() : asset.response(request);
                })
                .build();
    }

    private static Asset required(Map<String, Asset> assets, String name) {
        Asset asset = assets.get(name);
        if (asset == null) {
            throw new IllegalStateException("resources/static/" + name + " is missing from the build");
        }
        return asset;
    }

    private static Map<String, Asset> load(String pattern) {
        Map<String, Asset> assets = new HashMap<>();
        try {
            for (Resource resource : new PathMatchingResourcePatternResolver().getResources(pattern)) {
                String name = resource.getFilename();
                MediaType type = name == null ? null : TYPES.get(name.substring(name.lastIndexOf('.') + 1));
                if (type != null) {
                    try (InputStream in = resource.getInputStream()) {
                        assets.put(name, Asset.of(type, in.readAllBytes()));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the pages in resources/static", e);
        }
        return Map.copyOf(assets);
    }

    /**
     * One file's bytes and their ETag. {@code no-cache} makes browsers ask again each time, so a new
     * version shows at once, and the ETag makes the asking cheap (304).
     */
    private record Asset(MediaType type, byte[] bytes, String etag) {

        static Asset of(MediaType type, byte[] bytes) {
            try {
                byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
                return new Asset(type, bytes, "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        Mono<ServerResponse> response(ServerRequest request) {
            return request.checkNotModified(etag)
                    .switchIfEmpty(Mono.defer(() -> ServerResponse.ok()
                            .contentType(type)
                            .eTag(etag)
                            .header("Cache-Control", "no-cache")
                            .header("X-Content-Type-Options", "nosniff")
                            .header("Content-Security-Policy", CONTENT_POLICY)
                            .bodyValue(bytes)));
        }
    }
}
