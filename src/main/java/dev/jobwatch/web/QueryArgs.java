package dev.jobwatch.web;

import dev.jobwatch.job.InvalidInputException;
import dev.jobwatch.watch.WatchOptions;
import java.util.Locale;
import org.springframework.web.reactive.function.server.ServerRequest;

/** Query arguments as the routes take them: flags, whole numbers and pages, refused (400) when malformed. */
final class QueryArgs {

    private QueryArgs() {}

    /** {@code true}, {@code 1} or a bare name mean true; {@code false}, {@code 0} or no argument mean false. */
    static boolean flag(ServerRequest request, String name) {
        String value = request.queryParam(name).orElse("false").toLowerCase(Locale.ROOT);
        return switch (value) {
            case "true", "1", "" -> true;
            case "false", "0" -> false;
            default -> throw new InvalidInputException("Invalid " + name + ": use true or false");
        };
    }

    /** A whole number from 0 to {@link WatchOptions#MAX_OFFSET}; 0 when absent. */
    static long count(ServerRequest request, String name) {
        String value = request.queryParam(name).orElse("0");
        long number;
        try {
            number = Long.parseLong(value);
        } catch (NumberFormatException e) {
            number = -1;
        }
        if (number < 0) {
            throw new InvalidInputException("Invalid " + name + ": use a whole number, 0 or more");
        }
        if (number > WatchOptions.MAX_OFFSET) {
            throw new InvalidInputException(
                    "Invalid " + name + ": use a whole number up to " + WatchOptions.MAX_OFFSET);
        }
        return number;
    }

    /** How many rows a log page may ask for, as BullMQ's HTTP API caps it. */
    static final int MAX_LOG_PAGE = 100;

    private static final int DEFAULT_LIST = 50;
    private static final int MAX_LIST = 1000;

    /** BullMQ's page of log rows: {@code start} (default 0) and {@code length} (default 10, at most {@link #MAX_LOG_PAGE}). */
    record LogPage(long start, int length) {}

    static LogPage logPage(ServerRequest request) {
        long start;
        long length;
        try {
            start = Long.parseLong(request.queryParam("start").orElse("0"));
            length = Long.parseLong(request.queryParam("length").orElse("10"));
        } catch (NumberFormatException e) {
            throw new InvalidInputException("Invalid start or length");
        }
        if (start < 0 || length < 0) {
            throw new InvalidInputException("Start and length must be positive");
        }
        if (length > MAX_LOG_PAGE) {
            throw new InvalidInputException("Length must be less than or equal to " + MAX_LOG_PAGE);
        }
        return new LogPage(start, (int) length);
    }

    /** How many jobs a listing answers: {@code limit}, from 1 to 1,000, default 50. */
    static int listLimit(ServerRequest request) {
        String value = request.queryParam("limit").orElse(Integer.toString(DEFAULT_LIST));
        try {
            int limit = Integer.parseInt(value);
            if (limit >= 1 && limit <= MAX_LIST) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new InvalidInputException("Invalid limit: use a whole number from 1 to " + MAX_LIST);
    }
}
