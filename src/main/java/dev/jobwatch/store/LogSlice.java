package dev.jobwatch.store;

/**
 * Log text read from an offset.
 *
 * @param text       what follows the requested offset
 * @param nextOffset the 0-based code-point offset just past {@code text}; equals the log's length
 *                   when {@code text} reaches its end
 */
public record LogSlice(String text, long nextOffset) {
}
