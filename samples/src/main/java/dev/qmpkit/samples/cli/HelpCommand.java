package dev.qmpkit.samples.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code help [COMMAND [SUBCOMMAND]]}: the usage of qmpkit, or of one (nested) command. */
@Command(name = "help", helpCommand = true,
        description = "Show the usage of qmpkit, or of one command, e.g. 'help template create'.")
final class HelpCommand extends CliCommand {

    @Parameters(paramLabel = "COMMAND", arity = "0..*",
            description = "a command, and a subcommand of it (default: none, for every command)")
    List<String> names = new ArrayList<>();

    @Override
    protected int run(Context ctx) {
        CommandLine target = spec.root().commandLine();
        List<String> path = new ArrayList<>();
        for (String name : names) {
            CommandLine sub = target.getSubcommands().get(name);
            if (sub == null) {
                String where = path.isEmpty() ? "" : " of '" + String.join(" ", path) + "'";
                throw new UsageException("unknown command '" + name + "'" + where + "; commands: "
                        + String.join(", ", target.getSubcommands().keySet()));
            }
            path.add(name);
            target = sub;
        }
        target.usage(ctx.out());
        return 0;
    }
}
