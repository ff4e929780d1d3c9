package dev.qmpkit.samples.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The commands the {@code ./qmpkit} script runs itself, before any jar exists: listed here so
 * that one help, one completion script and one reference describe every command. Run from
 * the jar they only say to use the script.
 */
final class ScriptCommands {
    private ScriptCommands() {
    }

    /** {@code ./qmpkit test}. */
    @Command(name = "test",
            description = {"Install what is missing (QEMU 10.0 and 7.2, qemu-ga, qemu-img, Java 17, Maven), build, "
                    + "and run the unit and real-QEMU tests (mvn verify). A command of the qmpkit script."})
    static final class Test extends CliCommand {
        @Parameters(paramLabel = "MAVEN-ARGUMENTS", arity = "0..*",
                description = "passed to mvn verify, e.g. -Dit.test=DemoIT (default: none)")
        List<String> mavenArguments = new ArrayList<>();

        @Override
        protected int run(Context ctx) {
            throw scriptOnly("test");
        }
    }

    /** {@code ./qmpkit install-qemu}. */
    @Command(name = "install-qemu",
            description = {"Install QEMU 10.0 (bookworm-backports, as the system QEMU) and unpack QEMU 7.2 "
                    + "(bookworm) into $QMPKIT_CACHE/qemu-7.2. Needs root for apt-get. A command of the qmpkit "
                    + "script."})
    static final class InstallQemu extends CliCommand {
        @Option(names = "--guest-agent",
                description = "also install the guest agent, qemu-ga (package qemu-guest-agent) (default: off)")
        boolean guestAgent;

        @Override
        protected int run(Context ctx) {
            throw scriptOnly("install-qemu");
        }
    }

    private static UsageException scriptOnly(String name) {
        return new UsageException(name + " is a command of the ./qmpkit script (it installs packages and runs "
                + "Maven): run ./qmpkit " + name + " from the repository");
    }
}
