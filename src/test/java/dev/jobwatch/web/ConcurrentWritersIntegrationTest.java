package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobwatch.job.JobRef;
import dev.jobwatch.store.JobReads;
import dev.jobwatch.store.LogSlice;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;

@ActiveProfiles("test")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ConcurrentWritersIntegrationTest {

    private static final int WRITERS = 8;
    private static final int ROWS = 1000;

    @LocalServerPort
    int port;

    @Autowired
    JobReads store;

    @Test
    void eightWritersOfAThousandRowsGiveEightThousandRowsWithConsistentOffsets() {
        WorkerApiClient api = new WorkerApiClient(port);
        String token = api.add("busy");
        WebClient http = WebClient.create("http://localhost:" + port);

        List<Integer> statuses = Flux.range(0, WRITERS * ROWS)
                .flatMap(
                        n -> http.post()
                                .uri(api.job("busy") + "/logs")
                                .header("Authorization", "Bearer " + token)
                                .contentType(MediaType.TEXT_PLAIN)
                                .bodyValue(row(n % WRITERS, n / WRITERS))
                                .exchangeToMono(response -> response.releaseBody()
                                        .thenReturn(response.statusCode().value())),
                        WRITERS)
                .collectList()
                .block(Duration.ofMinutes(2));
        assertThat(statuses).hasSize(WRITERS * ROWS).containsOnly(200);

        assertThat(api.rows("busy", 0, 1)).containsEntry("count", WRITERS * ROWS);

        JobRef ref = new JobRef(api.namespace, "busy");
        StringBuilder log = new StringBuilder();
        long offset = 0;
        while (true) {
            LogSlice slice = store.readLog(ref, offset, 500, 1 << 20, null).block(Duration.ofSeconds(10));
            if (slice.text().isEmpty()) {
                break;
            }
            log.append(slice.text());
            assertThat(slice.end())
                    .isEqualTo(
                            offset + slice.text().codePointCount(0, slice.text().length()));
            offset = slice.end();
        }
        String[] lines = log.toString().split("\n");
        assertThat(lines).hasSize(WRITERS * ROWS);
        Map<Integer, List<Integer>> seenByWriter = new HashMap<>();
        for (String line : lines) {
            String[] parts = line.split(" ");
            seenByWriter
                    .computeIfAbsent(Integer.parseInt(parts[1]), w -> new ArrayList<>())
                    .add(Integer.parseInt(parts[3]));
        }
        assertThat(seenByWriter).hasSize(WRITERS);
        seenByWriter.values().forEach(rows -> assertThat(rows).hasSize(ROWS).doesNotHaveDuplicates());

        var job = store.get(ref).block(Duration.ofSeconds(10));
        assertThat(job.log().rows()).isEqualTo(WRITERS * ROWS);
        assertThat(job.log().length()).isEqualTo(offset).isEqualTo(log.codePointCount(0, log.length()));
    }

    private static String row(int writer, int n) {
        return "writer " + writer + " row " + n + " ✓";
    }
}
