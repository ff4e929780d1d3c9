package dev.qmpkit.samples.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A subcommand's command line: its options (picocli fields) and a {@link #run} that checks them
 * and hands them to the code that does the work ({@link Demo}, {@link SocketCommands},
 * {@link TemplateCommands}, {@link AgentCommands}, {@link Shell}). Every subcommand gets
 * {@code --help} and {@code --version}, and its help lists the exit codes.
 */
@Command(mixinStandardHelpOptions = true, versionProvider = CliCommand.Version.class, sortOptions = false,
        usageHelpAutoWidth = true, usageHelpWidth = 100, abbreviateSynopsis = false,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:failed: a line says what went wrong, and a 'fix:' line how to fix it",
            "2:wrong command line: the problem and the usage"})
public abstract class CliCommand implements Callable<Integer> {

    /** Set by picocli: this command's place in the command tree. */
    @Spec
    CommandSpec spec;

    /** @return the exit code */
    @Override
    public final Integer call() throws Exception {
        return run(((QmpkitCommand) spec.root().userObject()).context());
    }

    /**
     * Checks the options and runs the command.
     *
     * @param ctx streams and environment; never null
     * @return the exit code
     * @throws Exception a failure {@link Cli} explains in one line
     */
    protected abstract int run(Context ctx) throws Exception;

    /** {@code --version}: the project version, Java and the OS. */
    public static final class Version implements IVersionProvider {
        /** @return {@code qmpkit VERSION} and the runtime */
        @Override
        public String[] getVersion() {
            return new String[] {"qmpkit " + projectVersion(),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + "), "
                        + System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch")};
        }

        /** @return the version the build wrote into {@code version.properties}; never null */
        public static String projectVersion() {
            Properties p = new Properties();
            try (InputStream in = CliCommand.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return p.getProperty("version", "unknown");
        }
    }
}
