package dev.jobwatch.store;

import java.util.List;

/** Reading the parts of a script's reply list: Lua numbers come back as integers, big ones as strings. */
public final class ScriptReplies {

    private ScriptReplies() {}

    public static long number(Object part) {
        return part instanceof Long value ? value : Long.parseLong((String) part);
    }

    /** A string part that Lua's false (for "none") sends as null. */
    public static String text(Object part) {
        return part instanceof String value ? value : null;
    }

    @SuppressWarnings("unchecked")
    public static List<Object> list(Object part) {
        return (List<Object>) part;
    }

    public static List<String> texts(List<Object> parts) {
        return parts.stream().map(String.class::cast).toList();
    }
}
