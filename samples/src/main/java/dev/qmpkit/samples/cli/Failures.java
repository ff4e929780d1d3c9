package dev.qmpkit.samples.cli;

import dev.qmpkit.qmp.QmpCommandException;
import dev.qmpkit.qmp.QmpConnectionException;
import dev.qmpkit.qmp.QmpException;
import dev.qmpkit.qmp.QmpTimeoutException;
import dev.qmpkit.qmp.launch.QemuLaunchException;
import dev.qmpkit.templating.TemplateNotReadyException;
import dev.qmpkit.templating.TemplatingException;
import dev.qmpkit.templating.inspect.UnsafeCapabilityException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the failures a user can run into (QEMU missing or refusing an option, a socket that
 * is not there, a command QEMU rejects, a file that cannot be written) into a
 * {@link CliFailure}: one line, plus the fix where one is known. Anything else is a bug and
 * is returned as null, so the caller prints its stack trace.
 */
public final class Failures {
    private Failures() {
    }

    /**
     * @param t the failure; never null
     * @return the explanation, or null when {@code t} is not an expected failure
     */
    public static CliFailure explain(Throwable t) {
        t = unwrap(t);
        if (t instanceof CliFailure f) {
            return f;
        }
        if (t instanceof QemuLaunchException e) {
            String msg = e.getMessage();
            String fix = msg.contains("not found on the PATH") || msg.contains("cannot run")
                    ? "install QEMU with ./qmpkit install-qemu (as root), or: apt-get install qemu-system-x86"
                    : "check the QEMU options and binary named above; QEMU's own error is quoted";
            if (msg.contains("/dev/kvm") || msg.contains("KVM")) {
                fix = "KVM is not usable here: run with --accel tcg (the default)";
            }
            String hint = TemplatingHints.hint(e);
            return new CliFailure("QEMU did not start: " + msg, hint != null ? hint : fix, e);
        }
        if (t instanceof TemplateNotReadyException e) {
            return new CliFailure("this VM cannot be a template; the readiness check found:\n"
                    + e.report().render(), "apply the fix of each ERROR finding above", e);
        }
        if (t instanceof UnsafeCapabilityException e) {
            return new CliFailure(e.getMessage(), TemplatingHints.hint(e), e);
        }
        if (t instanceof TemplatingException e) {
            return new CliFailure(e.getMessage(), TemplatingHints.hint(e), e);
        }
        if (t instanceof QmpCommandException e) {
            return new CliFailure(e.getMessage(), hintFor(e), e);
        }
        if (t instanceof QmpTimeoutException e) {
            return timeout(e);
        }
        if (t instanceof QmpConnectionException e) {
            String msg = e.getMessage();
            int question = msg.indexOf(" (is QEMU running with");
            if (msg.contains("Connection refused")) {
                // Nothing listens: QEMU has exited (a monitor held by another client still listens).
                return new CliFailure(question > 0 ? msg.substring(0, question) : msg, "nothing listens on that "
                        + "socket: QEMU has exited, or it was started with another path; start it with "
                        + "-qmp unix:PATH,server=on,wait=off", e);
            }
            return new CliFailure(msg, "QEMU closed the connection: it has exited, or it refused this client", e);
        }
        if (t instanceof QmpException e) {
            return new CliFailure(e.getMessage(), null, e);
        }
        if (t instanceof AccessDeniedException e) {
            return new CliFailure("permission denied: " + e.getFile(), "choose a folder you can write, or fix its "
                    + "permissions", e);
        }
        if (t instanceof NoSuchFileException e) {
            return new CliFailure("no such file or folder: " + e.getFile(), null, e);
        }
        if (t instanceof FileSystemException e) {
            return new CliFailure(e.getMessage(), spaceHint(e), e);
        }
        if (t instanceof IOException e) {
            return new CliFailure("I/O error: " + e.getMessage(), spaceHint(e), e);
        }
        return null;
    }

    /** @param t a failure, possibly wrapped @return the innermost meaningful failure */
    public static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException
                || t instanceof UncheckedIOException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static final Pattern GREETING_TIMEOUT = Pattern.compile("^no QMP greeting from (?:unix:)?(\\S+) within");

    private static CliFailure timeout(QmpTimeoutException e) {
        String msg = e.getMessage();
        Matcher greeting = GREETING_TIMEOUT.matcher(msg);
        if (greeting.find()) {
            // QEMU accepted the connection (it is listening) but never greeted: its one client slot is taken, or
            // it is stopped. Which one, /proc/net/unix tells when the socket's path is known.
            Path socket = Path.of(greeting.group(1));
            if (MonitorClients.held(socket)) {
                return new CliFailure("the QMP monitor at " + socket + " is in use by another client: QEMU sent no "
                        + "greeting within " + Durations.human(e.timeout()) + " (it serves one client per monitor "
                        + "socket)", MonitorClients.FIX, e);
            }
            return new CliFailure("QEMU at " + socket + " sent no QMP greeting within " + Durations.human(e.timeout()),
                    "if another client holds this monitor (QEMU serves one client per socket), close it or give "
                    + "QEMU a second -qmp unix:OTHER-PATH,server=on,wait=off; if QEMU is stopped (ps -o stat= -p PID "
                    + "shows T), resume it with kill -CONT PID; and check the socket is a QMP monitor (-qmp, or -mon "
                    + "mode=control), not an HMP one", e);
        }
        return new CliFailure(msg, "QEMU did not answer in time: it may be stopped (kill -CONT PID resumes it) or "
                + "overloaded", e);
    }

    /**
     * What {@code Cli} prints for a failure: the message without the library's own "Fix:" (which
     * goes to the fix line, in command-line terms, unless the command line has a fix of its own),
     * durations as people write them, and no advice printed twice.
     *
     * @param message the failure line(s); never null
     * @param fix the fix line; null when there is nothing to suggest
     */
    public record Shown(String message, String fix) {
    }

    /**
     * @param f a failure; never null
     * @return what to print for it
     */
    public static Shown present(CliFailure f) {
        String message = CliTerms.translate(f.getMessage());
        String libraryFix = null;
        int at = message.indexOf("Fix: ");
        if (at >= 0) {
            int end = message.indexOf('\n', at);
            libraryFix = (end < 0 ? message.substring(at + 5) : message.substring(at + 5, end)).strip();
            message = (message.substring(0, at).stripTrailing() + (end < 0 ? "" : message.substring(end))).strip();
        }
        String fix = f.fix() == null ? null : CliTerms.translate(f.fix());
        if (fix != null) {
            // A hint rendered as "explanation Fix: what to do": the explanation belongs to the message.
            int hintAt = fix.indexOf(" Fix: ");
            if (hintAt > 0) {
                String explanation = fix.substring(0, hintAt).strip();
                fix = fix.substring(hintAt + 6).strip();
                if (!message.contains(explanation)) {
                    message = message + "\n" + explanation;
                }
            }
        }
        if (fix == null || fix.isBlank()) {
            fix = libraryFix;
        }
        message = Durations.humanize(message).strip();
        if (fix != null) {
            fix = Durations.humanize(fix);
            if (message.contains(fix)) {
                fix = null; // already said in the message
            }
        }
        return new Shown(message, fix);
    }

    private static String hintFor(QmpCommandException e) {
        if ("CommandNotFound".equals(e.errorClass())) {
            return "this QEMU has no such command: list them with ./qmpkit qmp --socket PATH query-commands";
        }
        String hint = TemplatingHints.hint(e.description());
        return hint;
    }

    private static String spaceHint(IOException e) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("No space left")) {
            return "free some disk space or pass --work-dir on a bigger file system";
        }
        if (m.contains("Read-only file system")) {
            return "pass --work-dir on a writable file system";
        }
        return null;
    }
}
