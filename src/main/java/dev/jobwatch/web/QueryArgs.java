package dev.jobwatch.web;

import dev.jobwatch.job.InvalidInputException;
import dev.jobwatch.watch.WatchOptions;
import java.util.Locale;
import org.springframework.web.reactive.function.server.ServerRequest;

/** Query arguments as Windmill's routes take them: flags and whole numbers, refused (400) when malformed. */
final class QueryArgs {

    private QueryArgs() {
    }

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
            throw new InvalidInputException("Invalid " + name + ": use a whole number up to " + WatchOptions.MAX_OFFSET);
        }
        return number;
    }
}
