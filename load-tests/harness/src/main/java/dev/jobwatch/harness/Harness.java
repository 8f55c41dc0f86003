package dev.jobwatch.harness;

import java.nio.file.Path;
import java.util.List;

/**
 * Capacity harness for jobwatch, and nchan side by side.
 *
 * <pre>
 * java -jar jobwatch-harness.jar run --target=jobwatch --jar=target/jobwatch-0.1.0-SNAPSHOT.jar --out=results/jobwatch.properties
 * java -jar jobwatch-harness.jar run --target=jobwatch --base=http://127.0.0.1:8080 --pid=1234 --out=...
 * java -jar jobwatch-harness.jar run --target=nchan --base=http://127.0.0.1:8090 --pid=&lt;nginx master&gt; --out=...
 * java -jar jobwatch-harness.jar warm --target=jobwatch --jar=extracted/jobwatch-0.1.0-SNAPSHOT.jar --variant=aot --out=results/warm-jobwatch-aot.properties
 * java -jar jobwatch-harness.jar soak --target=jobwatch --jar=... --soak-minutes=30 --out=results/soak.properties
 * java -jar jobwatch-harness.jar report --jobwatch=results/jobwatch.properties --nchan=results/nchan.properties --dir=results
 * </pre>
 *
 * A run's scenarios, in order, each bounded in count and time: {@link WarmUp}, {@link ManyJobs} (many jobs with
 * one watcher each), {@link Unwatched} (writes nobody watches), {@link FanOut} (one job, many watchers),
 * {@link Quiet} (many watched jobs rarely written), {@link Idle} (idle watchers' memory). {@link WarmStart} (a fresh
 * server's first 30 s) and {@link Soak} run alone. Every setting is an {@link Options} entry.
 */
public final class Harness {

    private Harness() {}

    public static void main(String[] args) {
        Options options = Options.parse(args, System.getenv());
        int code = 0;
        try {
            if (options.mode().equals("report")) {
                Report.write(
                        options.get("jobwatch", "results/jobwatch.properties"),
                        options.get("nchan", "results/nchan.properties"),
                        Path.of(options.get("dir", "results")),
                        options.env());
                return;
            }
            Log log = Log.start();
            Path results;
            try (Bench bench = Bench.open(options, log)) {
                for (Scenario scenario : scenarios(bench)) {
                    scenario.run();
                }
                results = bench.results().file();
            }
            log.line("done; results in %s", results);
        } catch (Throwable t) {
            t.printStackTrace(System.out);
            code = 1;
        }
        // The run's status, whatever threads its clients leave behind.
        System.exit(code);
    }

    private static List<Scenario> scenarios(Bench bench) {
        return switch (bench.options().mode()) {
            case "soak" -> List.of(new Soak(bench));
            case "warm" -> List.of(new WarmStart(bench));
            default ->
                List.of(
                        new WarmUp(bench),
                        new ManyJobs(bench),
                        new Unwatched(bench),
                        new Quiet(bench),
                        new FanOut(bench),
                        new Idle(bench));
        };
    }
}
