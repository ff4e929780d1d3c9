package dev.qmpkit.samples.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A parsed command line of one subcommand: {@code --name value} or {@code --name=value}
 * options, {@code --flag} switches and positional arguments. The subcommand declares what it
 * accepts, so any other option is a {@link UsageException} naming it. {@code --} ends options.
 */
public final class Args {
    private final Map<String, List<String>> options;
    private final Set<String> flags;
    private final List<String> positional;

    private Args(Map<String, List<String>> options, Set<String> flags, List<String> positional) {
        this.options = options;
        this.flags = flags;
        this.positional = positional;
    }

    /**
     * @param argv the arguments after the subcommand name; never null
     * @param valueOptions options that take a value, e.g. {@code --socket}; never null
     * @param flagOptions options without a value, e.g. {@code --keep}; never null
     * @return the parsed arguments
     * @throws UsageException for an unknown option, a missing value or a repeated single option
     */
    public static Args parse(List<String> argv, Set<String> valueOptions, Set<String> flagOptions) {
        Objects.requireNonNull(argv, "argv");
        Map<String, List<String>> options = new LinkedHashMap<>();
        Set<String> flags = new java.util.LinkedHashSet<>();
        List<String> positional = new ArrayList<>();
        boolean onlyPositional = false;
        for (int i = 0; i < argv.size(); i++) {
            String a = argv.get(i);
            if (onlyPositional || !a.startsWith("--") || a.equals("-")) {
                positional.add(a);
                continue;
            }
            if (a.equals("--")) {
                onlyPositional = true;
                continue;
            }
            String name = a;
            String value = null;
            int eq = a.indexOf('=');
            if (eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            }
            if (flagOptions.contains(name)) {
                if (value != null) {
                    throw new UsageException("option " + name + " takes no value");
                }
                flags.add(name);
            } else if (valueOptions.contains(name)) {
                if (value == null) {
                    if (i + 1 >= argv.size() || argv.get(i + 1).startsWith("--")) {
                        throw new UsageException("option " + name + " needs a value");
                    }
                    value = argv.get(++i);
                }
                options.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            } else {
                throw new UsageException("unknown option " + name);
            }
        }
        return new Args(options, flags, positional);
    }

    /** @param name the option; never null @return whether the flag was given */
    public boolean flag(String name) {
        return flags.contains(name);
    }

    /**
     * @param name the option; never null
     * @return its value, or null when absent
     * @throws UsageException when it was given more than once
     */
    public String value(String name) {
        List<String> v = options.get(name);
        if (v == null) {
            return null;
        }
        if (v.size() > 1) {
            throw new UsageException("option " + name + " given more than once");
        }
        return v.get(0);
    }

    /** @param name the option; never null @return its value @throws UsageException when absent */
    public String required(String name) {
        String v = value(name);
        if (v == null || v.isBlank()) {
            throw new UsageException("missing " + name);
        }
        return v;
    }

    /** @param name a repeatable option; never null @return every value given, in order; never null */
    public List<String> values(String name) {
        return List.copyOf(options.getOrDefault(name, List.of()));
    }

    /**
     * @param name the option; never null
     * @param defaultValue returned when absent
     * @param min smallest accepted value
     * @param max largest accepted value
     * @return the value as an int
     * @throws UsageException when it is not a whole number in range
     */
    public int intValue(String name, int defaultValue, int min, int max) {
        String v = value(name);
        if (v == null) {
            return defaultValue;
        }
        int n;
        try {
            n = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(name + " must be a whole number, got '" + v + "'");
        }
        if (n < min || n > max) {
            throw new UsageException(name + " must be between " + min + " and " + max + ", got " + n);
        }
        return n;
    }

    /**
     * @param name the option; never null
     * @param defaultValue returned when absent
     * @param allowed the accepted values; never null
     * @return the value
     * @throws UsageException when it is not one of {@code allowed}
     */
    public String choice(String name, String defaultValue, List<String> allowed) {
        String v = value(name);
        if (v == null) {
            return defaultValue;
        }
        if (!allowed.contains(v)) {
            throw new UsageException(name + " must be one of " + String.join("|", allowed) + ", got '" + v + "'");
        }
        return v;
    }

    /** @return positional arguments, in order; never null */
    public List<String> positional() {
        return List.copyOf(positional);
    }

    /**
     * @param min fewest positional arguments
     * @param max most positional arguments
     * @param what how usage names them, for the message
     * @return the positional arguments
     * @throws UsageException when there are too few or too many
     */
    public List<String> positional(int min, int max, String what) {
        if (positional.size() < min) {
            throw new UsageException("missing " + what);
        }
        if (positional.size() > max) {
            throw new UsageException("unexpected argument '" + positional.get(max) + "'");
        }
        return positional();
    }
}
