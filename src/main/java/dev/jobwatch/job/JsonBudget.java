package dev.jobwatch.job;

import java.util.ArrayDeque;
import java.util.Deque;
import tools.jackson.databind.JsonNode;

/**
 * The one budget every JSON value jobwatch takes keeps: at most {@link #MAX_DEPTH} levels of arrays and
 * objects, and numbers that a double holds. A write that breaks it is refused whole (400, nothing
 * changed).
 *
 * <p>A constant rather than a setting: what one pod takes, every pod must show alike, and every client
 * must parse with the few levels the answers add around a value. JSON libraries stop at about 128
 * (serde_json, behind Windmill's Rust clients) or 500 (Jackson, this server's own limit when it writes an
 * answer); numbers past a double's range read back as {@code Infinity}, which is not JSON.
 */
public final class JsonBudget {

    /** Levels of arrays and objects a value may nest: {@code 1} has none, {@code [[1]]} two. */
    public static final int MAX_DEPTH = 100;

    public static final String TOO_DEEP = "is nested deeper than " + MAX_DEPTH + " levels of arrays and objects";
    public static final String OUT_OF_RANGE = "holds a number out of range: every number must be a finite double";

    private JsonBudget() {}

    /**
     * Why {@code value} breaks the budget, or null when it keeps it. Walks without recursion and stops
     * at the first level past the limit, so a value of any depth costs no more than the budget allows.
     */
    public static String breach(JsonNode value) {
        Deque<JsonNode> open = new ArrayDeque<>();
        Deque<Integer> depths = new ArrayDeque<>();
        open.push(value);
        depths.push(0);
        while (!open.isEmpty()) {
            JsonNode node = open.pop();
            int depth = depths.pop();
            if (node.isNumber() && !Double.isFinite(node.numberValue().doubleValue())) {
                return OUT_OF_RANGE;
            }
            if (node.isContainer()) {
                if (depth == MAX_DEPTH) {
                    return TOO_DEEP;
                }
                for (JsonNode child : node.values()) {
                    open.push(child);
                    depths.push(depth + 1);
                }
            }
        }
        return null;
    }

    /** Refuses a value a client sent that breaks the budget: 400, naming it as {@code what}. */
    public static void require(JsonNode value, String what) {
        String breach = breach(value);
        if (breach != null) {
            throw new InvalidInputException(what + " " + breach);
        }
    }
}
