package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobwatch.PodProcess;
import dev.jobwatch.TestRedis;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every way a body on the worker routes can end leaves no buffer behind, with Netty's leak detector at
 * paranoid in a pod of its own: read whole (in one buffer, or in many chunks that are joined), refused as
 * it passes its limit, broken in its chunked encoding, cut short by its client, paused past the header
 * timeout, and never read at all (a refused token, a length past the limit).
 */
class NettyWriteBodiesIntegrationTest {

    private static final int ROUNDS = 10;

    @Test
    void everyWayABodyEndsLeavesNoBufferBehind() throws IOException {
        try (TestRedis.Lease redis = TestRedis.fromEnvironment();
                PodProcess pod = new PodProcess(
                        List.of("-Dio.netty.leakDetection.level=paranoid", "-Dio.netty.leakDetection.targetRecords=0"),
                        redis.url(),
                        "jobwatch.http.header-timeout=1s")) {
            WorkerApiClient api = new WorkerApiClient(pod.port());
            String token = api.add("bodies");
            String head = "POST " + api.job("bodies") + "/logs HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                    + token + "\r\nContent-Type: text/plain\r\nConnection: close\r\n";
            String manyChunks = "1\r\na\r\n".repeat(200) + "0\r\n\r\n";
            String pastTheLimit = ("400\r\n" + "b".repeat(0x400) + "\r\n").repeat(65) + "0\r\n\r\n";
            Map<String, String> answers = Map.of(
                    head + "Content-Length: 5\r\n\r\nwhole", "HTTP/1.1 200 ",
                    head + "Transfer-Encoding: chunked\r\n\r\n" + manyChunks, "HTTP/1.1 200 ",
                    head + "Transfer-Encoding: chunked\r\n\r\n" + pastTheLimit, "HTTP/1.1 413 ",
                    head + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n", "HTTP/1.1 400 ",
                    head + "Content-Length: 10\r\n\r\nabc", "HTTP/1.1 408 ",
                    head.replace(token, "not-a-token") + "Content-Length: 5\r\n\r\nwhole", "HTTP/1.1 401 ",
                    head + "Content-Length: 70000\r\n\r\n", "HTTP/1.1 413 ",
                    head + "Expect: 100-continue\r\nContent-Length: 5\r\n\r\nwhole", "HTTP/1.1 100 ");
            for (int round = 0; round < ROUNDS; round++) {
                for (Map.Entry<String, String> request : answers.entrySet()) {
                    assertThat(send(pod, request.getKey(), true))
                            .as(request.getKey())
                            .startsWith(request.getValue());
                }
                // Cut short: the client goes away with most of its body unsent, and reads nothing.
                send(pod, head + "Content-Length: 1000\r\n\r\nthe first bytes only", false);
            }

            pod.collectGarbage();
            // The leak detector reports what it finds when it next tracks a buffer: each write makes some.
            for (int write = 0; write < ROUNDS; write++) {
                api.log("bodies", token, "after " + write);
            }
            assertThat(api.rows("bodies", 0, 1)).containsKey("count");
            assertThat(pod.log()).as("Netty's leak detector").doesNotContain("LEAK:");
        }
    }

    /** Writes the request as is; reads the answer until the server closes, or reads nothing and closes. */
    private static String send(PodProcess pod, String request, boolean read) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", pod.port())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            if (!read) {
                return "";
            }
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
