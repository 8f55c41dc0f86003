package dev.jobwatch.harness;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The harness's settings, read once in main: each is a {@code --name=value} argument, else the environment's
 * {@code BENCH_NAME} (upper case, {@code -} as {@code _}; so bench.sh's {@code BENCH_MANY_STEPS} is
 * {@code --many-steps}), else the default the caller gives. A blank value counts as absent.
 *
 * @param mode the first argument: {@code run} (the default), {@code soak} or {@code report}
 * @param args the {@code --name=value} arguments ({@code --name} alone is {@code true})
 * @param env the environment
 */
record Options(String mode, Map<String, String> args, Map<String, String> env) {

    Options {
        args = Map.copyOf(args);
        env = Map.copyOf(env);
    }

    static Options parse(String[] argv, Map<String, String> env) {
        Map<String, String> args = new LinkedHashMap<>();
        for (String a : argv) {
            if (a.startsWith("--")) {
                int eq = a.indexOf('=');
                args.put(eq < 0 ? a.substring(2) : a.substring(2, eq), eq < 0 ? "true" : a.substring(eq + 1));
            }
        }
        return new Options(argv.length > 0 ? argv[0] : "run", args, env);
    }

    String get(String key, String def) {
        String v = args.get(key);
        if (v == null) {
            v = env.get("BENCH_" + key.toUpperCase(Locale.ROOT).replace('-', '_'));
        }
        return v == null || v.isBlank() ? def : v;
    }

    int integer(String key, int def) {
        return Integer.parseInt(get(key, String.valueOf(def)));
    }

    long number(String key, long def) {
        return Long.parseLong(get(key, String.valueOf(def)));
    }

    boolean flag(String key) {
        return Boolean.parseBoolean(get(key, "false"));
    }

    /** A space- or comma-separated list of counts, such as a scenario's steps; empty or a first 0 means none. */
    long[] steps(String key, String def) {
        long[] steps = Arrays.stream(get(key, def).trim().split("[ ,]+"))
                .mapToLong(Long::parseLong)
                .toArray();
        return steps.length == 0 || steps[0] <= 0 ? new long[0] : steps;
    }
}
