package dev.jobwatch.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobwatch.watch.Pacing.Decision;
import org.junit.jupiter.api.Test;

/** One stream's pacing, told the time in milliseconds (as nanoseconds) and what happened. */
class PacingTest {

    private static final long MS = 1_000_000L;
    private static final long CADENCE = 100 * MS;

    private final Pacing pacing = new Pacing(CADENCE);

    @Test
    void theFirstUpdateGoesOutAtOnceWithoutAChange() {
        assertThat(pacing.next(0, true)).isEqualTo(Decision.SEND);
        assertThat(pacing.next(0, true)).as("nothing new since").isEqualTo(Decision.NONE);
    }

    @Test
    void aChangeAfterTheRestGoesOutAtOnceWithNoWakeUp() {
        sendAt(0);

        pacing.changed();

        assertThat(pacing.next(100 * MS, true)).isEqualTo(Decision.SEND);
    }

    @Test
    void aRestWithNoChangeAsksForNoWakeUp() {
        sendAt(0);

        for (long now = 0; now <= 1_000 * MS; now += 10 * MS) {
            assertThat(pacing.pending()).isFalse();
            assertThat(pacing.next(now, true)).isEqualTo(Decision.NONE);
        }
    }

    @Test
    void aChangeDuringTheRestWaitsForItsEndWithOneWakeUp() {
        sendAt(1_000 * MS);

        pacing.changed();
        assertThat(pacing.next(1_050 * MS, true)).isEqualTo(Decision.WAIT);
        assertThat(pacing.wakeAt())
                .as("the rest's deadline, a cadence after the update")
                .isEqualTo(1_100 * MS);

        pacing.changed();
        assertThat(pacing.pending()).as("a wake-up is on its way").isFalse();
        assertThat(pacing.next(1_070 * MS, true)).as("no second wake-up").isEqualTo(Decision.NONE);

        pacing.woke();
        assertThat(pacing.next(1_100 * MS, true))
                .as("both changes in one update")
                .isEqualTo(Decision.SEND);
        assertThat(pacing.next(1_100 * MS, true)).isEqualTo(Decision.NONE);
    }

    @Test
    void twoUpdatesAreNeverLessThanACadenceApart() {
        long last = sendAt(0);
        for (long now = 7 * MS; now < 2_000 * MS; now += 7 * MS) {
            pacing.changed();
            Decision decision = pacing.next(now, true);
            if (decision == Decision.WAIT) {
                now = pacing.wakeAt();
                pacing.woke();
                decision = pacing.next(now, true);
            }
            if (decision == Decision.SEND) {
                assertThat(now - last).isGreaterThanOrEqualTo(CADENCE);
                last = now;
                pacing.sent(now, false);
            }
        }
    }

    @Test
    void aWatcherStillBehindGoesOnAfterTheRestWithoutAChange() {
        assertThat(pacing.next(0, true)).isEqualTo(Decision.SEND);
        pacing.sent(0, true);

        assertThat(pacing.next(0, true)).isEqualTo(Decision.WAIT);
        assertThat(pacing.wakeAt()).isEqualTo(CADENCE);
        pacing.woke();
        assertThat(pacing.next(CADENCE, true)).isEqualTo(Decision.SEND);
    }

    @Test
    void aPauseHoldsBackEvenAChangeUntilItEnds() {
        assertThat(pacing.next(0, true)).isEqualTo(Decision.SEND);
        pacing.paused(0, 1_000 * MS, false);

        assertThat(pacing.next(10 * MS, true))
                .as("a pause with nothing to send asks for nothing")
                .isEqualTo(Decision.NONE);
        pacing.changed();
        assertThat(pacing.next(20 * MS, true)).isEqualTo(Decision.WAIT);
        assertThat(pacing.wakeAt()).isEqualTo(1_000 * MS);
    }

    @Test
    void aFullConnectionGetsNothingAndIsCheckedAgainLessAndLessOftenUpToTheCadence() {
        long now = 0;
        long[] checks = new long[6];
        for (int i = 0; i < checks.length; i++) {
            assertThat(pacing.next(now, false)).isEqualTo(Decision.WAIT);
            checks[i] = pacing.wakeAt() - now;
            now = pacing.wakeAt();
            pacing.changed();
            assertThat(pacing.next(now - 1, false))
                    .as("no second wake-up while one is on its way")
                    .isEqualTo(Decision.NONE);
            pacing.woke();
        }

        assertThat(checks).containsExactly(5 * MS, 10 * MS, 20 * MS, 40 * MS, 80 * MS, 100 * MS);
    }

    @Test
    void whatWaitedForAFullConnectionGoesOutOnceItTakesMoreAndTheChecksStartOver() {
        assertThat(pacing.next(0, false)).isEqualTo(Decision.WAIT);
        pacing.woke();
        assertThat(pacing.next(5 * MS, false)).isEqualTo(Decision.WAIT);
        pacing.woke();

        assertThat(pacing.next(15 * MS, true)).isEqualTo(Decision.SEND);
        pacing.sent(15 * MS, false);
        pacing.changed();

        assertThat(pacing.next(200 * MS, false)).isEqualTo(Decision.WAIT);
        assertThat(pacing.wakeAt()).as("the first check again").isEqualTo(205 * MS);
    }

    @Test
    void aFullConnectionIsNotAskedAboutDuringTheRest() {
        sendAt(0);
        pacing.changed();

        assertThat(pacing.next(50 * MS, false)).isEqualTo(Decision.WAIT);
        assertThat(pacing.wakeAt())
                .as("the rest's end, not a writability check")
                .isEqualTo(CADENCE);
    }

    @Test
    void theLastChangeAlwaysGoesOutEvenWhenItCameDuringTheRestAndTheConnectionWasFull() {
        sendAt(0);
        pacing.changed(); // say, the job completed
        assertThat(pacing.next(10 * MS, true)).isEqualTo(Decision.WAIT);
        pacing.woke();
        long now = pacing.wakeAt();
        while (pacing.next(now, now >= 500 * MS) == Decision.WAIT) {
            now = pacing.wakeAt();
            pacing.woke();
        }

        assertThat(now)
                .as("sent at the first check after the connection took more")
                .isGreaterThanOrEqualTo(500 * MS)
                .isLessThan(600 * MS);
        assertThat(pacing.pending()).isFalse();
    }

    @Test
    void aWakeUpThatComesEarlyOnTheStreamsClockStillEndsTheRest() {
        sendAt(0);
        pacing.changed();
        assertThat(pacing.next(50 * MS, true)).isEqualTo(Decision.WAIT);

        pacing.woke();

        assertThat(pacing.next(99 * MS, true)).isEqualTo(Decision.SEND);
    }

    private long sendAt(long now) {
        pacing.changed();
        assertThat(pacing.next(now, true)).isEqualTo(Decision.SEND);
        pacing.sent(now, false);
        return now;
    }
}
