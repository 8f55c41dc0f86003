package dev.jobwatch.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongToDoubleFunction;

/**
 * A line chart in SVG of figures against watchers of one job: the x axis is the steps on a log scale, the y axis
 * linear from 0 or logarithmic in whole decades; one polyline with its points per series, and a legend at the
 * right listing the series that have points.
 *
 * @param titleShift how far left of the middle the title is centred, so that it clears the legend
 * @param left room for the y axis's labels
 * @param right room for the legend
 * @param logY whether the y axis is logarithmic (only values above 0 are drawn) or linear from 0
 */
record Chart(
        String title,
        int titleShift,
        int left,
        int right,
        String xLabel,
        String yLabel,
        boolean logY,
        List<Long> steps,
        List<Series> series) {

    private static final int WIDTH = 720;
    private static final int HEIGHT = 420;
    private static final int TOP = 40;
    private static final int BOTTOM = 60;

    /**
     * @param name its legend
     * @param dash its SVG {@code stroke-dasharray}, or null for a solid line
     * @param value its figure at a step, NaN where it has none
     */
    record Series(String name, String color, String dash, LongToDoubleFunction value) {}

    /** Where a value sits on the y axis, and the axis's grid lines. */
    private interface Axis {

        boolean shows(double value);

        /** The value's distance from the bottom of an axis that long. */
        double offset(double value, int length);

        List<Tick> ticks(int length);
    }

    private record Tick(double offset, String label) {}

    /** From 0 to a round value at or above the largest (at least 1), in five steps. */
    private record Linear(double max) implements Axis {

        static Linear over(List<Double> values) {
            double max = 1;
            for (double v : values) {
                max = Math.max(max, v);
            }
            return new Linear(niceCeil(max));
        }

        @Override
        public boolean shows(double value) {
            return !Double.isNaN(value);
        }

        @Override
        public double offset(double value, int length) {
            return length * Math.min(value, max) / max;
        }

        @Override
        public List<Tick> ticks(int length) {
            List<Tick> ticks = new ArrayList<>();
            for (int i = 0; i <= 5; i++) {
                ticks.add(new Tick(length * i / 5.0, trim(max * i / 5)));
            }
            return ticks;
        }
    }

    /** Whole decades from the smallest value's to the largest's, at least one. */
    private record Log(double lo, double hi) implements Axis {

        static Log over(List<Double> values) {
            double min = Double.MAX_VALUE;
            double max = 0;
            for (double v : values) {
                if (v > 0) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
            double lo = max == 0 ? 1 : Math.floor(Math.log10(min));
            double hi = max == 0 ? 2 : Math.ceil(Math.log10(max));
            return new Log(lo, Math.max(hi, lo + 1));
        }

        @Override
        public boolean shows(double value) {
            return !Double.isNaN(value) && value > 0;
        }

        @Override
        public double offset(double value, int length) {
            return length * (Math.log10(value) - lo) / (hi - lo);
        }

        @Override
        public List<Tick> ticks(int length) {
            List<Tick> ticks = new ArrayList<>();
            for (double e = lo; e <= hi; e++) {
                ticks.add(new Tick(length * (e - lo) / (hi - lo), trim(Math.pow(10, e))));
            }
            return ticks;
        }
    }

    String svg() {
        int pw = WIDTH - left - right;
        int ph = HEIGHT - TOP - BOTTOM;
        List<Double> values = new ArrayList<>();
        for (Series s : series) {
            for (long x : steps) {
                double v = s.value().applyAsDouble(x);
                if (!Double.isNaN(v)) {
                    values.add(v);
                }
            }
        }
        Axis y = logY ? Log.over(values) : Linear.over(values);
        double minX = steps.isEmpty() ? 0 : Math.log10(Math.max(1, steps.get(0)));
        double maxX = steps.isEmpty() ? 1 : Math.log10(Math.max(10, steps.get(steps.size() - 1)));
        if (maxX - minX < 1e-9) {
            maxX = minX + 1;
        }
        StringBuilder sb = new StringBuilder();
        sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
                .append(WIDTH)
                .append("\" height=\"")
                .append(HEIGHT)
                .append(
                        "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.append("<text x=\"")
                .append(WIDTH / 2 - titleShift)
                .append("\" y=\"22\" font-size=\"15\" text-anchor=\"middle\">")
                .append(title)
                .append("</text>\n");
        sb.append(String.format(
                Locale.ROOT,
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#333\"/>\n",
                left,
                TOP,
                pw,
                ph));
        for (Tick tick : y.ticks(ph)) {
            double py = TOP + ph - tick.offset();
            sb.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                    left,
                    left + pw,
                    py,
                    py,
                    left - 6,
                    py + 4,
                    tick.label()));
        }
        for (long s : steps) {
            double px = left + pw * (Math.log10(Math.max(1, s)) - minX) / (maxX - minX);
            sb.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#eee\"/><text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>\n",
                    px,
                    px,
                    TOP,
                    TOP + ph,
                    px,
                    TOP + ph + 16,
                    s));
        }
        sb.append(String.format(
                Locale.ROOT,
                "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                left + pw / 2,
                HEIGHT - 18,
                xLabel));
        sb.append(String.format(
                Locale.ROOT,
                "<text transform=\"translate(18,%d) rotate(-90)\" text-anchor=\"middle\">%s</text>\n",
                TOP + ph / 2,
                yLabel));
        int legend = 0;
        for (Series s : series) {
            StringBuilder pts = new StringBuilder();
            for (long x : steps) {
                double v = s.value().applyAsDouble(x);
                if (!y.shows(v)) {
                    continue;
                }
                double px = left + pw * (Math.log10(Math.max(1, x)) - minX) / (maxX - minX);
                double py = TOP + ph - y.offset(v, ph);
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
                sb.append(String.format(
                        Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n", px, py, s.color()));
            }
            if (pts.length() == 0) {
                continue;
            }
            String dash = s.dash() == null ? "" : " stroke-dasharray=\"" + s.dash() + "\"";
            sb.append(String.format(
                    Locale.ROOT,
                    "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"%s\"/>\n",
                    s.color(),
                    dash,
                    pts.toString().trim()));
            int ly = TOP + 10 + legend * 20;
            sb.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/><text x=\"%d\" y=\"%d\">%s</text>\n",
                    left + pw + 10,
                    left + pw + 40,
                    ly,
                    ly,
                    s.color(),
                    dash,
                    left + pw + 46,
                    ly + 4,
                    s.name()));
            legend++;
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    private static String trim(double y) {
        return y == Math.rint(y) ? String.valueOf((long) y) : String.format(Locale.ROOT, "%.1f", y);
    }

    private static double niceCeil(double v) {
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }
}
