package dev.jobwatch.watch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The hub's window on a job's log: offsets count Unicode code points (as Windmill's log_offset does),
 * text read from any covered offset is exactly the rest of the log, and the window stays bounded.
 */
class LogWindowTest {

    private static final long NO_LIMIT = 1_000_000;

    @Test
    void anEmptyWindowCoversOnlyItsOwnOffsetAndHoldsNoText() {
        LogWindow window = LogWindow.at(7);

        assertThat(window.start()).isEqualTo(7);
        assertThat(window.end()).isEqualTo(7);
        assertThat(window.covers(7)).isTrue();
        assertThat(window.covers(6)).isFalse();
        assertThat(window.covers(8)).isFalse();
        assertThat(window.from(7)).isEmpty();
    }

    @Test
    void offsetsCountCodePointsNotUtf16CharsNorBytes() {
        // é: 1 char (2 UTF-8 bytes); 日本: 2 chars (6 bytes); 😀: 2 UTF-16 chars but 1 code point (4 bytes).
        LogWindow window = LogWindow.at(0).append(0, "é日本😀\n", NO_LIMIT);

        assertThat(window.end()).isEqualTo(5);
        assertThat(window.from(0)).isEqualTo("é日本😀\n");
        assertThat(window.from(1)).isEqualTo("日本😀\n");
        assertThat(window.from(3)).isEqualTo("😀\n");
        assertThat(window.from(4)).isEqualTo("\n");
        assertThat(window.from(5)).isEmpty();
    }

    @Test
    void readingFromAnyOffsetGivesTheRestOfTheLogAcrossAppends() {
        LogWindow window = LogWindow.at(0)
                .append(0, "ab😀", NO_LIMIT)
                .append(3, "日本", NO_LIMIT)
                .append(5, "é\n", NO_LIMIT);
        String whole = "ab😀日本é\n";

        assertThat(window.start()).isZero();
        assertThat(window.end()).isEqualTo(whole.codePointCount(0, whole.length()));
        for (int offset = 0; offset <= window.end(); offset++) {
            String expected = whole.substring(whole.offsetByCodePoints(0, offset));
            assertThat(window.from(offset))
                    .as("text from code point %d", offset)
                    .isEqualTo(expected);
        }
    }

    @Test
    void coversEveryOffsetFromItsStartToItsEndInclusive() {
        LogWindow window = LogWindow.at(10).append(10, "日本😀", NO_LIMIT);

        assertThat(window.covers(9)).isFalse();
        assertThat(window.covers(10)).isTrue();
        assertThat(window.covers(13)).isTrue();
        assertThat(window.covers(14)).isFalse();
    }

    @Test
    void appendingEmptyTextAtTheEndChangesNothing() {
        LogWindow window = LogWindow.at(0).append(0, "abc", NO_LIMIT);

        assertThat(window.append(3, "", NO_LIMIT)).isSameAs(window);
    }

    @Test
    void aGapRestartsTheWindowAtTheNewText() {
        LogWindow window = LogWindow.at(0).append(0, "old😀", NO_LIMIT);

        LogWindow after = window.append(100, "new日本", NO_LIMIT);

        assertThat(after.start()).isEqualTo(100);
        assertThat(after.end()).isEqualTo(105);
        assertThat(after.covers(4)).isFalse();
        assertThat(after.covers(99)).isFalse();
        assertThat(after.from(100)).isEqualTo("new日本");
        assertThat(after.from(103)).isEqualTo("日本");
    }

    @Test
    void anEmptyReadBeyondTheEndRestartsTheWindowThere() {
        LogWindow window = LogWindow.at(0).append(0, "abc", NO_LIMIT);

        LogWindow after = window.append(50, "", NO_LIMIT);

        assertThat(after.start()).isEqualTo(50);
        assertThat(after.end()).isEqualTo(50);
        assertThat(after.covers(3)).isFalse();
    }

    @Test
    void theOldestSegmentsGoOnceTheRestHoldTheLimit() {
        long limit = 10;
        LogWindow window = LogWindow.at(0).append(0, "aaaaa", limit).append(5, "bbbb😀", limit);
        // The second segment alone does not hold the limit: the first one stays.
        assertThat(window.start()).isZero();
        assertThat(window.from(0)).isEqualTo("aaaaabbbb😀");

        window = window.append(10, "ccccé", limit);

        // "bbbb😀ccccé" (10 code points) holds the limit, so "aaaaa" goes.
        assertThat(window.start()).isEqualTo(5);
        assertThat(window.end()).isEqualTo(15);
        assertThat(window.covers(4)).isFalse();
        assertThat(window.covers(5)).isTrue();
        assertThat(window.from(5)).isEqualTo("bbbb😀ccccé");
        assertThat(window.from(9)).isEqualTo("😀ccccé");
        assertThat(window.from(14)).isEqualTo("é");
    }

    @Test
    void aSingleSegmentLongerThanTheLimitIsKeptWhole() {
        LogWindow window = LogWindow.at(0).append(0, "ab", 4).append(2, "日本😀日本😀", 4);

        assertThat(window.start()).isEqualTo(2);
        assertThat(window.end()).isEqualTo(8);
        assertThat(window.covers(1)).isFalse();
        assertThat(window.from(2)).isEqualTo("日本😀日本😀");
        assertThat(window.from(7)).isEqualTo("😀");
    }

    @Test
    void rowsAppendedOneByOneShareFewSegmentsAndReadBackWhole() {
        LogWindow window = LogWindow.at(0);
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < 5_000; i++) {
            String row = "row " + i + " é😀\n";
            window = window.append(window.end(), row, NO_LIMIT);
            all.append(row);
        }

        assertThat(window.segments().size())
                .as("segments of about %d chars", LogWindow.SEGMENT)
                .isLessThanOrEqualTo(all.length() / (LogWindow.SEGMENT / 2) + 1);
        assertThat(window.from(0)).isEqualTo(all.toString());
        String tail = "row 4999 é😀\n";
        assertThat(window.from(window.end() - tail.codePointCount(0, tail.length())))
                .isEqualTo(tail);
    }
}
