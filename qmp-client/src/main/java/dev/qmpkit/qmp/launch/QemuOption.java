package dev.qmpkit.qmp.launch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Builds the value of one QEMU command-line option in QEMU's {@code key=value,...} syntax,
 * e.g. the argument of {@code -object} or {@code -device}. This is the one place the SDK
 * builds such strings: every value is escaped the way QEMU requires (a comma is doubled), so
 * a path or name can never inject further options.
 *
 * <pre>{@code
 * QemuOption.of("memory-backend-file")
 *     .set("id", "pc.ram").set("size", 256L << 20)
 *     .set("mem-path", Path.of("/tmp/a,b")).set("share", true)
 *     .toString();  // memory-backend-file,id=pc.ram,size=268435456,mem-path=/tmp/a,,b,share=on
 * }</pre>
 *
 * <p>Immutable builders are not needed here; instances are single-use and not thread-safe.
 */
public final class QemuOption {

    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_.\\-]+");

    private final String implied;
    private final List<String[]> pairs = new ArrayList<>();

    private QemuOption(String implied) {
        this.implied = implied;
    }

    /**
     * @param impliedValue the leading value without a key (e.g. the object or device type);
     *                     never null or empty, must not start with '{' (QEMU would parse JSON)
     * @return a new option
     */
    public static QemuOption of(String impliedValue) {
        Objects.requireNonNull(impliedValue, "impliedValue");
        if (impliedValue.isEmpty() || impliedValue.startsWith("{")) {
            throw new IllegalArgumentException("implied option value must be non-empty and must not start with '{': "
                    + impliedValue);
        }
        checkValue(impliedValue, "implied value");
        return new QemuOption(impliedValue);
    }

    /** @return a new option made only of {@code key=value} pairs */
    public static QemuOption keyValues() {
        return new QemuOption(null);
    }

    /**
     * @param key the key, letters, digits, {@code _ . -}; never null
     * @param value the value, escaped on output; never null
     * @return this
     */
    public QemuOption set(String key, String value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value for key " + key);
        if (!KEY.matcher(key).matches()) {
            throw new IllegalArgumentException("invalid QEMU option key: '" + key + "'");
        }
        checkValue(value, key);
        pairs.add(new String[] {key, value});
        return this;
    }

    /**
     * @param key the key; never null
     * @param value a path; never null
     * @return this
     */
    public QemuOption set(String key, Path value) {
        return set(key, Objects.requireNonNull(value, "value for key " + key).toString());
    }

    /**
     * @param key the key; never null
     * @param value rendered as {@code on}/{@code off}
     * @return this
     */
    public QemuOption set(String key, boolean value) {
        return set(key, value ? "on" : "off");
    }

    /**
     * @param key the key; never null
     * @param value rendered in decimal
     * @return this
     */
    public QemuOption set(String key, long value) {
        return set(key, Long.toString(value));
    }

    /** @return the option string with every comma in keys' values doubled */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (implied != null) {
            sb.append(escape(implied));
        }
        for (String[] p : pairs) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(p[0]).append('=').append(escape(p[1]));
        }
        return sb.toString();
    }

    /**
     * @param value any string; never null
     * @return the value with each comma doubled, as QEMU's option parser expects
     */
    public static String escape(String value) {
        return value.replace(",", ",,");
    }

    private static void checkValue(String value, String what) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("QEMU option " + what + " contains a NUL character");
        }
    }
}
