package dev.qmpkit.templating.guest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** An independent newc reader for tests: every header at a 4-byte boundary, magic checked, sizes honoured. */
public final class CpioEntries {
    private CpioEntries() {
    }

    /**
     * One archive member.
     *
     * @param name its path
     * @param mode type and permission bits
     * @param rdevMajor device major number
     * @param rdevMinor device minor number
     * @param data its contents (a symbolic link's target)
     */
    public record Entry(String name, int mode, int rdevMajor, int rdevMinor, byte[] data) {
        /** @return the contents as UTF-8 text */
        public String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    /** @param a a whole archive @return its members, in order, ending with {@code TRAILER!!!} */
    public static List<Entry> parse(byte[] a) {
        List<Entry> entries = new ArrayList<>();
        int pos = 0;
        while (true) {
            assertThat(pos % 4).isZero();
            String h = new String(a, pos, 110, StandardCharsets.US_ASCII);
            assertThat(h).startsWith("070701");
            int[] f = new int[13];
            for (int i = 0; i < 13; i++) {
                f[i] = Integer.parseInt(h.substring(6 + 8 * i, 14 + 8 * i), 16);
            }
            int nameSize = f[11];
            String name = new String(a, pos + 110, nameSize - 1, StandardCharsets.UTF_8);
            assertThat(a[pos + 110 + nameSize - 1]).isZero();
            int dataStart = align(pos + 110 + nameSize);
            byte[] data = Arrays.copyOfRange(a, dataStart, dataStart + f[6]);
            entries.add(new Entry(name, f[1], f[9], f[10], data));
            pos = align(dataStart + f[6]);
            if (name.equals("TRAILER!!!")) {
                assertThat(pos).isEqualTo(a.length);
                return entries;
            }
        }
    }

    /** @return the member named {@code name} */
    public static Optional<Entry> find(List<Entry> entries, String name) {
        return entries.stream().filter(e -> e.name().equals(name)).findFirst();
    }

    private static int align(int n) {
        return (n + 3) & ~3;
    }
}
