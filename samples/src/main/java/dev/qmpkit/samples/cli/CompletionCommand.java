package dev.qmpkit.samples.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;

/** {@code completion}: a bash completion script for every command and option, from the command tree itself. */
@Command(name = "completion",
        description = {"Print a bash completion script for qmpkit's commands and options.",
            "Use it with: source <(./qmpkit completion)   (or save it in /etc/bash_completion.d/qmpkit)"})
final class CompletionCommand extends CliCommand {

    @Override
    protected int run(Context ctx) {
        String script = AutoComplete.bash("qmpkit", spec.root().commandLine());
        ctx.out().print(script);
        // The generated script completes "qmpkit"; the launcher is usually run as ./qmpkit.
        ctx.out().println("complete -F _complete_qmpkit -o default ./qmpkit");
        return 0;
    }
}
