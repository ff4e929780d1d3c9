package dev.qmpkit.samples.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code agent}'s command line; {@link AgentCommands#agent} does the work. */
@Command(name = "agent",
        customSynopsis = {
            "qmpkit agent --socket PATH [--timeout SECONDS] COMMAND [JSON-ARGUMENTS]",
            "qmpkit agent --socket PATH [--timeout SECONDS] [--input FILE] exec -- PROGRAM [ARGS...]"},
        description = {"Talk to a QEMU guest agent: run an agent command and print its JSON answer (e.g. guest-info), "
                + "or run a program in the guest, print its output and exit with its exit code."})
final class AgentCommand extends CliCommand {

    @Option(names = "--socket", paramLabel = "PATH", required = true,
            description = "the host end of the agent's channel (-chardev socket,path=PATH,server=on,wait=off,id=qga0 "
                    + "-device virtio-serial -device virtserialport,chardev=qga0,name=org.qemu.guest_agent.0), or "
                    + "the socket of qemu-ga -m unix-listen -p PATH (required)")
    String socket;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "0",
            description = "1-86400: how long a command's reply may take, or how long to wait for exec's program "
                    + "(default: 30 for a command, 300 for exec)")
    int timeout;

    @Option(names = "--input", paramLabel = "FILE", description = "exec: feed FILE to the program's standard input "
            + "(default: nothing)")
    String input;

    @Parameters(paramLabel = "COMMAND|exec", arity = "0..*",
            description = "an agent command and its JSON arguments, or exec -- PROGRAM [ARGS...] (words after -- "
                    + "belong to the program) (required)")
    List<String> words = new ArrayList<>();

    @Override
    protected int run(Context ctx) throws Exception {
        if (timeout != 0) {
            Checks.range("--timeout", timeout, 1, 86_400);
        }
        return AgentCommands.agent(socket, timeout, input, words, ctx);
    }
}
