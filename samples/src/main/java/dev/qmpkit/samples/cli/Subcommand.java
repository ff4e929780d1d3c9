package dev.qmpkit.samples.cli;

import java.util.Objects;
import java.util.Set;

/**
 * One subcommand of the launcher: its name, usage line, one-line description, the options it
 * accepts and what it does.
 *
 * @param name e.g. {@code demo} or {@code template create}; never null
 * @param usage the arguments after the name, e.g. {@code --socket PATH}; never null
 * @param description one line; never null
 * @param valueOptions options taking a value; never null
 * @param flagOptions options without a value; never null
 * @param action runs it; never null
 */
public record Subcommand(String name, String usage, String description, Set<String> valueOptions,
                         Set<String> flagOptions, Action action) {

    /** Validates. */
    public Subcommand {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(usage, "usage");
        Objects.requireNonNull(description, "description");
        valueOptions = Set.copyOf(valueOptions);
        flagOptions = Set.copyOf(flagOptions);
        Objects.requireNonNull(action, "action");
    }

    /** What a subcommand does. */
    @FunctionalInterface
    public interface Action {
        /**
         * @param args the parsed arguments; never null
         * @param ctx streams and environment; never null
         * @return the exit code
         * @throws Exception any failure; {@code Main} explains expected ones in one line
         */
        int run(Args args, Context ctx) throws Exception;
    }

    /** @return {@code usage: qmpkit NAME USAGE} */
    public String usageLine() {
        return "usage: qmpkit " + name + (usage.isEmpty() ? "" : " " + usage);
    }
}
