package dev.jobwatch.store;

/**
 * Log text read from an offset.
 *
 * @param text the text past the requested offset; when the offset lay in text dropped by the cap,
 *             it starts with the marker line, which occupies no offsets
 * @param end  the 0-based code-point offset just past {@code text}: the reader's next offset
 */
public record LogSlice(String text, long end) {}
