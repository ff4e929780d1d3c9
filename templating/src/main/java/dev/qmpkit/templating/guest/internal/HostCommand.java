package dev.qmpkit.templating.guest.internal;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs a host program (apt, dpkg-deb, mke2fs, busybox) to completion, with a timeout and its output captured. */
public final class HostCommand {
    private static final Logger LOG = LoggerFactory.getLogger(HostCommand.class);
    /** Where Debian keeps administrator tools such as mke2fs, which a normal user's PATH lacks. */
    private static final List<String> SBIN = List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin");

    /**
     * What a finished command left.
     *
     * @param command the command line; never null
     * @param exitCode its exit status
     * @param stdout its standard output; never null
     * @param stderr its standard error; never null
     */
    public record Result(List<String> command, int exitCode, byte[] stdout, String stderr) {
        /** @return standard output as UTF-8 text */
        public String stdoutText() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        /** @return the last lines of standard error and output, for a message; never null */
        public String tail() {
            String all = (stderr + "\n" + stdoutText()).strip();
            return all.length() > 600 ? "..." + all.substring(all.length() - 600) : all;
        }
    }

    private HostCommand() {
    }

    /**
     * @param tool a program name, e.g. {@code mke2fs}; never null
     * @return its path on the PATH or in the usual system folders, or empty
     */
    public static Optional<Path> find(String tool) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        dirs.addAll(SBIN);
        for (String d : dirs) {
            if (!d.isEmpty()) {
                Path p = Path.of(d, tool);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Runs a command with standard input from {@code /dev/null}.
     *
     * @param command the program and its arguments; never null
     * @param cwd the working directory, or null for the JVM's
     * @param env variables to add, never null
     * @param timeout how long it may run; never null
     * @return what it left, whatever its exit status
     * @throws IOException when it cannot be started or does not finish in time (it is then killed)
     * @throws InterruptedException when interrupted (it is then killed)
     */
    public static Result run(List<String> command, Path cwd, Map<String, String> env, Duration timeout)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        if (cwd != null) {
            pb.directory(cwd.toFile());
        }
        pb.environment().putAll(env);
        LOG.debug("running {}", command);
        Process p = pb.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread outReader = drain(p.getInputStream(), out, command.get(0));
        Thread errReader = drain(p.getErrorStream(), err, command.get(0));
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException(String.join(" ", command) + " did not finish within " + timeout.toSeconds()
                        + " s and was killed");
            }
            outReader.join();
            errReader.join();
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
        return new Result(List.copyOf(command), p.exitValue(), out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    }

    private static Thread drain(InputStream in, ByteArrayOutputStream to, String name) {
        Thread t = new Thread(() -> {
            try (in) {
                in.transferTo(to);
            } catch (IOException e) {
                // the process ended or was killed: what was read is what there is
            }
        }, "qmpkit-" + Path.of(name).getFileName());
        t.setDaemon(true);
        t.start();
        return t;
    }
}
