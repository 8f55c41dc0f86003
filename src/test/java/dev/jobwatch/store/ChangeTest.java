package dev.jobwatch.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Notifications as the write scripts publish them, read back whatever the row holds. */
class ChangeTest {

    @Test
    void aLogRowComesBackWhateverItHolds() {
        for (String row : new String[] {"", " ", "two  spaces ", "a\nb", "é日本😀", "7 L 9 x", "\r\n\t"}) {
            Change change = Change.parse("42 L 1234 Ab-9_xyz " + row);

            assertThat(change).isEqualTo(new Change(42, Change.Kind.LOG, 1234, "Ab-9_xyz", row));
        }
    }

    @Test
    void aChunkComesBackWithTheStreamLength() {
        assertThat(Change.parse("9 C 3 inc {\"partial\": 1}"))
                .isEqualTo(new Change(9, Change.Kind.CHUNK, 3, "inc", "{\"partial\": 1}"));
    }

    @Test
    void aVersionAloneOrAnythingElseIsABareSignal() {
        for (String message : new String[] {
            "17",
            "",
            "17 ",
            "17 L",
            "17 L 5",
            "17 L 5 inc",
            "17 X 5 inc row",
            "x L 5 inc row",
            "17 L y inc row",
            "17 LL 5 inc row"
        }) {
            assertThat(Change.parse(message)).as(message).isEqualTo(Change.SIGNAL);
        }
    }
}
