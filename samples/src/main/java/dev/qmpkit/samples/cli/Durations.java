package dev.qmpkit.samples.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people write them ({@code 10 s}, {@code 1 min 30 s}, {@code 250 ms}), not ISO-8601 ({@code PT10S}). */
final class Durations {
    /** {@link Duration#toString()}'s form, as the SDK's messages contain it. */
    private static final Pattern ISO = Pattern.compile("\\bPT(?:(\\d+)H)?(?:(\\d+)M)?(?:(\\d+)(?:\\.(\\d+))?S)?\\b");

    private Durations() {
    }

    /** @param d a duration; never null @return e.g. {@code 10 s}; never null */
    static String human(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + " ms";
        }
        long h = d.toHours();
        long m = d.toMinutesPart();
        double s = d.toSecondsPart() + d.toMillisPart() / 1000.0;
        StringBuilder b = new StringBuilder();
        if (h > 0) {
            b.append(h).append(" h");
        }
        if (m > 0) {
            b.append(b.length() > 0 ? " " : "").append(m).append(" min");
        }
        if (s > 0 || b.length() == 0) {
            String sec = s == Math.rint(s) ? Long.toString((long) s) : String.format("%.1f", s);
            b.append(b.length() > 0 ? " " : "").append(sec).append(" s");
        }
        return b.toString();
    }

    /** @param text a message; never null @return it with every ISO-8601 duration written as people do */
    static String humanize(String text) {
        Matcher m = ISO.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            if (m.group(1) == null && m.group(2) == null && m.group(3) == null) {
                continue;
            }
            Duration d = Duration.ofHours(parse(m.group(1))).plusMinutes(parse(m.group(2)))
                    .plusSeconds(parse(m.group(3)));
            if (m.group(4) != null) {
                d = d.plusNanos((long) (Double.parseDouble("0." + m.group(4)) * 1e9));
            }
            m.appendReplacement(out, Matcher.quoteReplacement(human(d)));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static long parse(String digits) {
        return digits == null ? 0 : Long.parseLong(digits);
    }
}
