package dev.jobwatch.watch;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * One server-sent event, encoded once: its {@code data} JSON, its {@code id} (updates only), whether
 * the stream ends after it, and its SSE frame: watchers at one cursor share one event, so its bytes
 * are made once for all of them rather than once per watcher.
 */
public final class WatchEvent {

    public static final WatchEvent PING = new WatchEvent(null, "{\"type\":\"ping\"}", false);
    public static final WatchEvent TIMEOUT = new WatchEvent(null, "{\"type\":\"timeout\"}", true);
    public static final WatchEvent NOT_FOUND = new WatchEvent(null, "{\"type\":\"notfound\"}", true);

    private final String id;
    private final String data;
    private final boolean last;
    private final byte[] frame;

    public WatchEvent(String id, String data, boolean last) {
        this.id = id;
        this.data = data;
        this.last = last;
        // data is one line of JSON, so one data field holds it
        this.frame = ((id == null ? "" : "id:" + id + "\n") + "data:" + data + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    /** Windmill's error event: the message under {@code error} and under {@code "0"}, as its server sends it. */
    public static WatchEvent error(String message, JsonMapper mapper) {
        ObjectNode body = mapper.createObjectNode();
        body.put("type", "error");
        body.put("error", message);
        body.put("0", message);
        return new WatchEvent(null, mapper.writeValueAsString(body), true);
    }

    public String id() {
        return id;
    }

    public String data() {
        return data;
    }

    public boolean last() {
        return last;
    }

    /**
     * The event as it goes on the wire: {@code id:} (updates only), {@code data:}, and the blank line;
     * a read-only view, so every watcher's write shares the one copy.
     */
    public ByteBuffer frame() {
        return ByteBuffer.wrap(frame).asReadOnlyBuffer();
    }

    @Override
    public String toString() {
        return data;
    }
}
