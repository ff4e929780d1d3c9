package dev.qmpkit.samples;

import java.io.PrintStream;
import java.nio.file.Path;

/** PLACEHOLDER until the readiness API lands. */
public final class CheckVm {
    private CheckVm() {
    }

    /**
     * @param socket QMP socket; never null
     * @param out where to print; never null
     * @param json where to write the report as JSON; null for none
     * @return whether ready
     */
    public static boolean run(Path socket, PrintStream out, Path json) {
        throw new dev.qmpkit.samples.cli.CliFailure("check is not implemented yet", null, null);
    }
}
