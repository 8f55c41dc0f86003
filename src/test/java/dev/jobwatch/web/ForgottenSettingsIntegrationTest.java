package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.jobwatch.SharedRedis;
import dev.jobwatch.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import reactor.core.Disposable;

/**
 * Safe when a setting is forgotten: a server started with nothing set (local mode: the embedded Redis,
 * routes open) is reached only from this machine unless SERVER_ADDRESS says otherwise, and says so, while a
 * pod with a Redis URL listens on every interface as before; and a client holds at most 1,000 streams when
 * no cap is set.
 */
@ExtendWith(OutputCaptureExtension.class)
class ForgottenSettingsIntegrationTest {

    @RegisterExtension
    static final SharedRedis redis = new SharedRedis();

    @Test
    void localModeListensOnLoopbackUnlessAnAddressIsSetAndSaysSo(CapturedOutput output) {
        InetAddress elsewhere = nonLoopbackAddress();
        try (TestServer server = new TestServer("")) {
            assertThat(connects(InetAddress.getLoopbackAddress(), server.port()))
                    .isTrue();
            assertThat(connects(elsewhere, server.port()))
                    .as("reached on %s", elsewhere)
                    .isFalse();
            assertThat(output.getAll())
                    .contains("Local mode (JOBWATCH_REDIS_URL is not set): the HTTP server listens on 127.0.0.1 only; "
                            + "set SERVER_ADDRESS");
        }
        try (TestServer server = new TestServer("", "server.address=0.0.0.0")) {
            assertThat(connects(elsewhere, server.port())).isTrue();
            assertThat(output.getAll()).contains("Local mode: the HTTP server listens on 0.0.0.0 (SERVER_ADDRESS)");
        }
    }

    @Test
    void aPodWithARedisUrlListensOnEveryInterface(CapturedOutput output) {
        InetAddress elsewhere = nonLoopbackAddress();
        try (TestServer server = new TestServer(redis.url())) {
            assertThat(connects(elsewhere, server.port())).isTrue();
            assertThat(output.getAll()).doesNotContain("Local mode");
        }
    }

    @Test
    void aClientHoldsAtMostAThousandStreamsWhenNoCapIsSet(CapturedOutput output) {
        try (TestServer server = new TestServer(redis.url(), "jobwatch.watch.auth=open")) {
            assertThat(output.getAll())
                    .contains("A client may hold at most 1000 SSE streams; a client is the connection's address");
            WorkerApiClient api = new WorkerApiClient(server.port());
            api.add("popular");
            SseClient sse = new SseClient(server.port());
            AtomicInteger admitted = new AtomicInteger();
            List<Disposable> streams = new ArrayList<>();
            try {
                for (int i = 0; i < 1000; i++) {
                    boolean[] first = {true};
                    streams.add(sse.updates(api.namespace, "popular", "").subscribe(update -> {
                        if (first[0]) {
                            first[0] = false;
                            admitted.incrementAndGet();
                        }
                    }));
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> admitted.get() == 1000);
                api.http
                        .get()
                        .uri(SseClient.path(api.namespace, "popular", ""))
                        .exchange()
                        .expectStatus()
                        .isEqualTo(429)
                        .expectBody(String.class)
                        .isEqualTo(
                                "This client holds its maximum of 1000 open streams: close one before opening another");
            } finally {
                streams.forEach(Disposable::dispose);
            }
        }
    }

    private static boolean connects(InetAddress address, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 5_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** An address of this machine that is not loopback, as another machine would reach it. */
    private static InetAddress nonLoopbackAddress() {
        try {
            InetAddress found = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                    .filter(network -> {
                        try {
                            return network.isUp() && !network.isLoopback();
                        } catch (SocketException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .flatMap(network -> Collections.list(network.getInetAddresses()).stream())
                    .filter(address -> address instanceof Inet4Address && !address.isLinkLocalAddress())
                    .findFirst()
                    .orElse(null);
            assumeThat(found)
                    .as("this machine has an address other than loopback")
                    .isNotNull();
            return found;
        } catch (SocketException e) {
            throw new UncheckedIOException(e);
        }
    }
}
