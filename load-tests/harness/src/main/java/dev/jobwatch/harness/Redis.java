package dev.jobwatch.harness;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A minimal RESP client, one connection per call, for INFO and CONFIG RESETSTAT: what Redis did for a window. */
record Redis(String host, int port) {

    private static final Pattern COMMAND_CALLS = Pattern.compile("cmdstat_([^:]+):calls=(\\d+)");

    /**
     * Commands Redis ran since the last {@link #resetStats} (inside Lua scripts included), other than the
     * harness's own INFO and CONFIG.
     *
     * @param calls their sum
     * @param byCommand {@code name=calls} for each, space-separated
     */
    record CommandStats(long calls, String byCommand) {}

    String call(String... args) throws IOException {
        try (Socket s = new Socket(host, port)) {
            s.setSoTimeout(10_000);
            StringBuilder req = new StringBuilder("*" + args.length + "\r\n");
            for (String a : args) {
                req.append('$')
                        .append(a.getBytes(StandardCharsets.UTF_8).length)
                        .append("\r\n")
                        .append(a)
                        .append("\r\n");
            }
            s.getOutputStream().write(req.toString().getBytes(StandardCharsets.UTF_8));
            InputStream in = s.getInputStream();
            String line = readLine(in);
            if (line.startsWith("$")) {
                int len = Integer.parseInt(line.substring(1));
                return len < 0 ? "" : new String(in.readNBytes(len), StandardCharsets.UTF_8);
            }
            if (line.startsWith("-")) {
                throw new IOException("redis: " + line);
            }
            return line;
        }
    }

    /** A field of an INFO section, or "0". */
    String info(String section, String field) throws IOException {
        Matcher m = Pattern.compile("(?m)^" + field + ":(\\S+)").matcher(call("INFO", section));
        return m.find() ? m.group(1) : "0";
    }

    void resetStats() throws IOException {
        call("CONFIG", "RESETSTAT");
    }

    CommandStats commandStats() throws IOException {
        long calls = 0;
        StringBuilder byCommand = new StringBuilder();
        Matcher m = COMMAND_CALLS.matcher(call("INFO", "commandstats"));
        while (m.find()) {
            if (!m.group(1).equals("info") && !m.group(1).startsWith("config")) {
                calls += Long.parseLong(m.group(2));
                byCommand
                        .append(byCommand.length() > 0 ? " " : "")
                        .append(m.group(1))
                        .append('=')
                        .append(m.group(2));
            }
        }
        return new CommandStats(calls, byCommand.toString());
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }
}
