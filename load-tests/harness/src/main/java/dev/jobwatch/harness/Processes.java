package dev.jobwatch.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Processes measured from /proc, summed: the server's (a JVM, or nginx's master and its workers), Redis's, or
 * the harness's own. A process that went away between listing and reading counts as nothing.
 */
record Processes(List<Long> pids) {

    /** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on Linux). */
    static final double TICKS_PER_SECOND = 100.0;

    Processes {
        pids = List.copyOf(pids);
    }

    static Processes of(long pid) {
        return new Processes(pid > 0 ? List.of(pid) : List.of());
    }

    static Processes self() {
        return of(ProcessHandle.current().pid());
    }

    /** The process and its direct children, as nginx's master and its workers. */
    static Processes withChildren(long parent) {
        List<Long> pids = new ArrayList<>();
        if (parent <= 0) {
            return new Processes(pids);
        }
        pids.add(parent);
        try (Stream<Path> dirs = Files.list(Path.of("/proc"))) {
            dirs.filter(p -> p.getFileName().toString().matches("\\d+")).forEach(p -> {
                String[] f = stat(p.resolve("stat"));
                if (f.length > 1 && Long.parseLong(f[1]) == parent) {
                    pids.add(Long.parseLong(p.getFileName().toString()));
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return new Processes(pids);
    }

    long rssKb() {
        return sumOfLines("status", "VmRSS:");
    }

    /** utime + stime. */
    long cpuTicks() {
        return sumOfStat(true);
    }

    /** stime alone: the kernel's share, where on loopback most of a socket write's cost lands. */
    long kernelTicks() {
        return sumOfStat(false);
    }

    /** Read and write system calls (syscr + syscw in /proc/pid/io): what a batching of writes saves shows here. */
    long syscalls() {
        return sumOfLines("io", "syscr:", "syscw:");
    }

    long fds() {
        long sum = 0;
        for (long pid : pids) {
            String[] l = Path.of("/proc/" + pid + "/fd").toFile().list();
            sum += l == null ? 0 : l.length;
        }
        return sum;
    }

    private long sumOfStat(boolean user) {
        long sum = 0;
        for (long pid : pids) {
            String[] f = stat(Path.of("/proc/" + pid + "/stat"));
            if (f.length > 12) {
                sum += (user ? Long.parseLong(f[11]) : 0) + Long.parseLong(f[12]);
            }
        }
        return sum;
    }

    private long sumOfLines(String file, String... prefixes) {
        long sum = 0;
        for (long pid : pids) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/" + file))) {
                    for (String prefix : prefixes) {
                        if (line.startsWith(prefix)) {
                            sum += Long.parseLong(line.replaceAll("[^0-9]", ""));
                        }
                    }
                }
            } catch (IOException ignored) {
                // gone, or not ours to read
            }
        }
        return sum;
    }

    /** The fields of a /proc stat file after the command name (which may hold spaces), from the state on. */
    private static String[] stat(Path file) {
        try {
            String stat = Files.readString(file);
            return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        } catch (IOException e) {
            return new String[0];
        }
    }

    /** Runs a command (jcmd, nginx -v) and gives its output, or "" when it cannot run. */
    static String exec(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(60, TimeUnit.SECONDS);
            return s;
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
