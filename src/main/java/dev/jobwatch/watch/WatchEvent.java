package dev.jobwatch.watch;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * One server-sent event, encoded once: its {@code data} JSON, its {@code id} (updates only), and
 * whether the stream ends after it.
 */
public record WatchEvent(String id, String data, boolean last) {

    public static final WatchEvent PING = new WatchEvent(null, "{\"type\":\"ping\"}", false);
    public static final WatchEvent TIMEOUT = new WatchEvent(null, "{\"type\":\"timeout\"}", true);
    public static final WatchEvent NOT_FOUND = new WatchEvent(null, "{\"type\":\"notfound\"}", true);

    /** Windmill's error event: the message under {@code error} and under {@code "0"}, as its server sends it. */
    public static WatchEvent error(String message, JsonMapper mapper) {
        ObjectNode body = mapper.createObjectNode();
        body.put("type", "error");
        body.put("error", message);
        body.put("0", message);
        return new WatchEvent(null, mapper.writeValueAsString(body), true);
    }
}
