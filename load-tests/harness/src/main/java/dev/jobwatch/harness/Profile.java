package dev.jobwatch.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * CPU profile of the server over one measured window ({@code --profile=1}, bench.sh's {@code BENCH_PROFILE=1}),
 * for the windows named by {@code --profile-windows} only (many jobs at 1,000, one watcher of one job), as
 * collapsed stacks ({@code profile-<target>-<window>.collapsed} beside the results) that {@link Stages} sorts
 * into stages. jobwatch: async-profiler loaded into the running JVM with jcmd (its options quoted, or jcmd splits
 * them at the commas; event {@code cpu}, else
 * {@code itimer} when perf events are refused); nchan: {@code perf record -g} on nginx's workers, collapsed here.
 */
final class Profile {

    private static final Profile NONE = new Profile(null, null, null, null);

    private final Bench bench;
    private final Path file;
    private final String agent;
    private final Process perf;

    private Profile(Bench bench, Path file, String agent, Process perf) {
        this.bench = bench;
        this.file = file;
        this.agent = agent;
        this.perf = perf;
    }

    /** Starts profiling the window under the key prefix {@code k} if asked for; a no-op otherwise. */
    static Profile start(Bench bench, String k) throws IOException {
        Options o = bench.options();
        String on = o.get("profile", "0");
        List<String> windows =
                List.of(o.get("profile-windows", "many.1000. fanout.1.").split("\\s+"));
        if (!(on.equals("1") || on.equals("true"))
                || !windows.contains(k)
                || bench.server().pid() <= 0) {
            return NONE;
        }
        Path file =
                bench.results().dir().resolve("profile-" + bench.target() + "-" + k.replace(".", "") + ".collapsed");
        Files.deleteIfExists(file);
        if (bench.nchan()) {
            List<String> cmd = new ArrayList<>(List.of("perf", "record", "-e", "cpu-clock", "-F", "999", "-g", "-o"));
            cmd.add(file + ".perf");
            cmd.add("-p");
            List<Long> workers = bench.server().processes().pids();
            cmd.add(workers.stream()
                    .skip(workers.size() > 1 ? 1 : 0)
                    .map(String::valueOf)
                    .collect(Collectors.joining(",")));
            Process perf = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(bench.results().dir().resolve("perf.log").toFile())
                    .start();
            bench.log().line("profile %s: perf record on nginx workers %s", k, cmd.get(cmd.size() - 1));
            return new Profile(bench, file, null, perf);
        }
        String agent = o.get("profiler", "/tmp/ap/linux-x64/libasyncProfiler.so");
        // The agent prints its messages on the server's stdout; jcmd gives its return code (0: started).
        String event = "cpu";
        String answer = bench.server().jcmd("JVMTI.agent_load", agent, "\"start,event=cpu,interval=1ms,threads\"");
        if (!answer.contains("return code: 0")) {
            event = "itimer";
            answer = bench.server().jcmd("JVMTI.agent_load", agent, "\"start,event=itimer,interval=1ms,threads\"");
        }
        bench.log()
                .line(
                        "profile %s: async-profiler, event %s: %s",
                        k, event, answer.trim().replace('\n', ' '));
        bench.results().put(k + "profile_event", event);
        return new Profile(bench, file, agent, null);
    }

    /** Stops the profile and writes its collapsed stacks. */
    void stop() throws IOException {
        if (bench == null) {
            return;
        }
        if (agent != null) {
            bench.server().jcmd("JVMTI.agent_load", agent, "\"stop,file=" + file + ",collapsed\"");
        } else {
            perf.destroy(); // SIGTERM: perf writes its data and exits
            try {
                if (!perf.waitFor(60, TimeUnit.SECONDS)) {
                    perf.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            Path data = Path.of(file + ".perf");
            Process script = new ProcessBuilder("perf", "script", "-i", data.toString())
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            Map<String, Long> stacks =
                    collapse(new String(script.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            Files.write(
                    file,
                    stacks.entrySet().stream()
                            .map(e -> e.getKey() + " " + e.getValue())
                            .toList());
            Files.deleteIfExists(data);
        }
        bench.log().line("profile written to %s", file);
    }

    /**
     * {@code perf script}'s samples (a header line, then one frame a line, leaf first, then a blank line) as
     * collapsed stacks, root first, each frame its symbol without the offset ({@code [k]} for the kernel's).
     */
    static Map<String, Long> collapse(String perfScript) {
        Map<String, Long> stacks = new LinkedHashMap<>();
        List<String> frames = new ArrayList<>();
        for (String line : (perfScript + "\n\n").split("\n")) {
            if (line.isBlank()) {
                if (!frames.isEmpty()) {
                    StringBuilder s = new StringBuilder();
                    for (int i = frames.size() - 1; i >= 0; i--) {
                        s.append(s.length() > 0 ? ";" : "").append(frames.get(i));
                    }
                    stacks.merge(s.toString(), 1L, Long::sum);
                    frames.clear();
                }
            } else if (line.startsWith("\t") || line.startsWith(" ")) {
                String[] f = line.trim().split("\\s+", 3);
                if (f.length >= 2) {
                    String symbol = f[1].replaceAll("\\+0x[0-9a-f]+$", "");
                    boolean kernel = f.length > 2 && f[2].contains("kernel");
                    frames.add((symbol.equals("[unknown]") && f.length > 2 ? f[2] : symbol).replace(' ', '_')
                            + (kernel ? "_[k]" : ""));
                }
            }
        }
        return stacks;
    }
}
