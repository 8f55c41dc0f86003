package dev.jobwatch.job;

import java.util.ArrayDeque;
import java.util.Deque;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * The one budget every JSON value jobwatch takes and shows keeps: at most {@link #MAX_DEPTH} levels of
 * arrays and objects, and numbers that a double holds. A write that breaks it is refused whole (400,
 * nothing changed); a stored value that breaks it (written by BullMQ, or by an older jobwatch) is shown
 * as {@code null}, named with the reason under {@link #OMITTED}, so that one bad value never keeps a read,
 * a listing or a stream from answering.
 *
 * <p>A constant rather than a setting: what one pod takes, every pod must show alike, and every client
 * must parse with the few levels the answers add around a value. JSON libraries stop at about 128
 * (serde_json, behind Windmill's Rust clients) or 500 (Jackson, this server's own limit when it writes an
 * answer); numbers past a double's range read back as {@code Infinity}, which is not JSON.
 */
public final class JsonBudget {

    /** Levels of arrays and objects a value may nest: {@code 1} has none, {@code [[1]]} two. */
    public static final int MAX_DEPTH = 100;

    /** The field, beside the values it replaced by null, that names each with why it is not shown. */
    public static final String OMITTED = "omitted";

    public static final String TOO_DEEP = "is nested deeper than " + MAX_DEPTH + " levels of arrays and objects";
    public static final String OUT_OF_RANGE = "holds a number out of range: every number must be a finite double";
    static final String TOO_LARGE = "holds a number or a string too long to read";
    public static final String NOT_JSON = "is not valid JSON";

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

    /**
     * A value as a client sees it: itself, or null and why when it breaks the budget.
     *
     * @param omitted null when {@code value} is shown
     */
    public record Shown(JsonNode value, String omitted) {

        public static Shown of(JsonNode value) {
            String breach = breach(value);
            return breach == null ? new Shown(value, null) : new Shown(JsonNodeFactory.instance.nullNode(), breach);
        }

        /** What {@link #parse} read, held to the budget: shown, or null and why. */
        public Shown held() {
            return omitted == null ? of(value) : this;
        }
    }

    /**
     * A stored JSON text as a client sees it. Never throws: text the parser refuses (deeper than its own
     * limit, a number or string past its length, or not JSON at all) is not shown either.
     */
    public static Shown show(String text, JsonMapper mapper) {
        return parse(text, mapper).held();
    }

    /**
     * A stored JSON text's tree, not yet held to the budget (a job's metadata is held to it field by
     * field); or null and why the parser refused it ({@link #NOT_JSON} for text that is not JSON). No
     * text at all is JSON null.
     */
    public static Shown parse(String text, JsonMapper mapper) {
        if (text == null) {
            return new Shown(JsonNodeFactory.instance.nullNode(), null);
        }
        try {
            JsonNode tree = mapper.readTree(text);
            // Blank text reads as the missing node, which is no value to answer.
            return tree.isMissingNode()
                    ? new Shown(JsonNodeFactory.instance.nullNode(), NOT_JSON)
                    : new Shown(tree, null);
        } catch (StreamConstraintsException e) {
            // The parser's own limits: its nesting depth (500) is past ours, so say that; else a length.
            String message = String.valueOf(e.getOriginalMessage());
            return new Shown(JsonNodeFactory.instance.nullNode(), message.contains("depth") ? TOO_DEEP : TOO_LARGE);
        } catch (JacksonException e) {
            return new Shown(JsonNodeFactory.instance.nullNode(), NOT_JSON);
        }
    }
}
