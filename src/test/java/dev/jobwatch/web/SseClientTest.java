package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.http.codec.ServerSentEvent;

/** The raw side of the tests' SSE client reads frames as a browser's EventSource does. */
class SseClientTest {

    @Test
    void rawFramesKeepNameIdDataAndCommentsAndIgnoreWhatSseDoesNotKnow() {
        String wire = "id:9:0:0\ndata:{\"type\":\"update\"}\n\n"
                + ": ping\n\n"
                + "event: custom\r\ndata: one\r\ndata:two\r\nretry: 10\r\n\r\n"
                + "data:never ended";

        assertThat(SseClient.parse(wire))
                .usingRecursiveFieldByFieldElementComparator()
                .containsExactly(
                        ServerSentEvent.<String>builder()
                                .id("9:0:0")
                                .data("{\"type\":\"update\"}")
                                .build(),
                        ServerSentEvent.<String>builder().comment("ping").build(),
                        ServerSentEvent.<String>builder()
                                .event("custom")
                                .data("one\ntwo")
                                .build());
    }

    @Test
    void aRawEventIsItsBytesUpToTheBlankLineThatEndsIt() throws IOException {
        InputStream body = new ByteArrayInputStream("data:é1\n\ndata:2\n\ndata:3".getBytes(StandardCharsets.UTF_8));

        assertThat(new String(SseClient.rawEvent(body), StandardCharsets.UTF_8)).isEqualTo("data:é1\n\n");
        assertThat(new String(SseClient.rawEvent(body), StandardCharsets.UTF_8)).isEqualTo("data:2\n\n");
        assertThat(new String(SseClient.rawEvent(body), StandardCharsets.UTF_8))
                .as("up to the body's end")
                .isEqualTo("data:3");
    }
}
