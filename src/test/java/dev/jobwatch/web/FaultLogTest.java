package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** What an operator reads when faults repeat: one entry a kind and interval, then how many were left out. */
class FaultLogTest {

    private final AtomicLong now = new AtomicLong();
    private final FaultLog faults = new FaultLog(Duration.ofMinutes(1), now::get);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(FaultLog.class);

    @BeforeEach
    void capture() {
        appender.start();
        logger.addAppender(appender);
    }

    @AfterEach
    void release() {
        logger.detachAppender(appender);
    }

    @Test
    void aRefusedRequestIsLoggedOnceAMinuteAtInfoWithHowManyMoreThereWere() {
        for (int i = 0; i < 100; i++) {
            faults.refused("Refused a request", new IllegalArgumentException("malformed " + i));
        }
        now.addAndGet(Duration.ofSeconds(61).toNanos());
        faults.refused("Refused a request", new IllegalArgumentException("malformed again"));

        assertThat(appender.list).hasSize(2).allSatisfy(event -> {
            assertThat(event.getLevel()).isEqualTo(Level.INFO);
            assertThat(event.getThrowableProxy()).as("no stack trace").isNull();
        });
        assertThat(appender.list.get(0).getFormattedMessage())
                .isEqualTo("Refused a request: java.lang.IllegalArgumentException: malformed 0");
        assertThat(appender.list.get(1).getFormattedMessage())
                .endsWith("malformed again [99 more like it in the last 60 s were not logged]");
    }

    @Test
    void refusedRequestsNeverHideAServerFaultOfTheSameType() {
        faults.refused("Refused a request", new IllegalStateException("client"));
        faults.failed("GET /x", new IllegalStateException("bug"));

        assertThat(appender.list).extracting(ILoggingEvent::getLevel).containsExactly(Level.INFO, Level.ERROR);
    }

    @Test
    void controlCharactersFromARequestAreEscaped() {
        faults.refused(
                "Refused GET /x\u001b]0;owned\u0007\u001b[2J\u009b1m\u202e",
                new NumberFormatException("For input string: \"\u001b[31m\r\n\""));

        String logged = appender.list.get(0).getFormattedMessage();
        assertThat(logged.chars().filter(c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT))
                .isEmpty();
        assertThat(logged)
                .contains("/x\\u001b]0;owned\\u0007\\u001b[2J\\u009b1m\\u202e")
                .contains("\\u001b[31m\\r\\n");
    }
}
