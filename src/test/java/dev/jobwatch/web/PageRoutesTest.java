package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.test.web.reactive.server.WebTestClient;

class PageRoutesTest {

    private final WebTestClient http =
            WebTestClient.bindToRouterFunction(new PageRoutes().pages()).build();

    @Test
    void everyJobGetsTheSamePageWhichRunsOnlyItsOwnScripts() {
        String page = http.get()
                .uri("/jobs/demo/build-1")
                .exchange()
                .expectStatus()
                .isOk()
                .expectHeader()
                .contentType("text/html;charset=UTF-8")
                .expectHeader()
                .valueMatches("Content-Security-Policy", ".*script-src 'self';.*")
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
        assertThat(page).contains("<script src=\"/static/job.js\"></script>");
        http.get()
                .uri("/jobs/other.ns/x:y")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .isEqualTo(page);
        http.get()
                .uri("/")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .value(index -> assertThat(index).contains("/static/index.js"));
    }

    @Test
    void filesComeWithTheirTypeAndAnETagThatSavesTheSecondDownload() {
        String etag = http.get()
                .uri("/static/job.js")
                .exchange()
                .expectStatus()
                .isOk()
                .expectHeader()
                .contentType("text/javascript;charset=UTF-8")
                .expectHeader()
                .valueEquals("Cache-Control", "no-cache")
                .returnResult(String.class)
                .getResponseHeaders()
                .getETag();
        assertThat(etag).isNotBlank();

        http.get()
                .uri("/static/job.js")
                .header("If-None-Match", etag)
                .exchange()
                .expectStatus()
                .isNotModified();
        http.get()
                .uri("/static/jobwatch.css")
                .exchange()
                .expectStatus()
                .isOk()
                .expectHeader()
                .contentType("text/css;charset=UTF-8");
        http.get().uri("/static/missing.js").exchange().expectStatus().isNotFound();
        http.get().uri("/job.html").exchange().expectStatus().isNotFound();
    }
}
