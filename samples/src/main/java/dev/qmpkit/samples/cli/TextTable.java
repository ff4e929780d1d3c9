package dev.qmpkit.samples.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A plain-text table with a header row, columns padded to their widest cell; numeric-looking
 * cells are right-aligned so figures line up.
 */
public final class TextTable {
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    /** @param header column titles; never null, at least one */
    public TextTable(String... header) {
        if (header.length == 0) {
            throw new IllegalArgumentException("a table needs at least one column");
        }
        this.header = List.of(header);
    }

    /**
     * @param cells one cell per column, rendered with {@code String.valueOf}; null renders as "-"
     * @return this
     */
    public TextTable row(Object... cells) {
        if (cells.length != header.size()) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, table has " + header.size()
                    + " columns: " + Arrays.toString(cells));
        }
        List<String> r = new ArrayList<>();
        for (Object c : cells) {
            r.add(c == null ? "-" : String.valueOf(c));
        }
        rows.add(r);
        return this;
    }

    @Override
    public String toString() {
        int[] width = new int[header.size()];
        for (int i = 0; i < width.length; i++) {
            width[i] = header.get(i).length();
            for (List<String> r : rows) {
                width[i] = Math.max(width[i], r.get(i).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        append(sb, header, width, false);
        StringBuilder rule = new StringBuilder();
        for (int i = 0; i < width.length; i++) {
            rule.append(i == 0 ? "" : "  ").append("-".repeat(width[i]));
        }
        sb.append(rule).append('\n');
        for (List<String> r : rows) {
            append(sb, r, width, true);
        }
        return sb.toString();
    }

    private static void append(StringBuilder sb, List<String> cells, int[] width, boolean alignNumbers) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < width.length; i++) {
            String c = Objects.requireNonNull(cells.get(i));
            String pad = " ".repeat(width[i] - c.length());
            line.append(i == 0 ? "" : "  ");
            line.append(alignNumbers && isNumeric(c) ? pad + c : c + pad);
        }
        sb.append(line.toString().stripTrailing()).append('\n');
    }

    private static boolean isNumeric(String s) {
        return s.matches("[-+]?[0-9][0-9,.]*( ?[a-zA-Z%]{1,3})?");
    }
}
