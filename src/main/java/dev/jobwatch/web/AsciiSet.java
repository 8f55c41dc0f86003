package dev.jobwatch.web;

/**
 * A set of ASCII characters looked up by index, for the checks that every request's target and Host
 * go through, which run on every request and so are kept to a table lookup a character.
 */
final class AsciiSet {

    private final boolean[] members = new boolean[128];

    private AsciiSet() {}

    /** Letters, digits and {@code others}. */
    static AsciiSet lettersDigitsAnd(String others) {
        AsciiSet set = new AsciiSet();
        for (char c = '0'; c <= '9'; c++) {
            set.members[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            set.members[c] = true;
            set.members[Character.toUpperCase(c)] = true;
        }
        for (char c : others.toCharArray()) {
            set.members[c] = true;
        }
        return set;
    }

    boolean holds(char c) {
        return c < members.length && members[c];
    }

    /** Whether every character of {@code value} from {@code from} up to {@code end} is in the set. */
    boolean holdsAll(String value, int from, int end) {
        for (int at = from; at < end; at++) {
            if (!holds(value.charAt(at))) {
                return false;
            }
        }
        return true;
    }
}
