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
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

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
            return new CliFailure(e.getMessage(), "QEMU did not answer in time: is the VM stopped with SIGSTOP, "
                    + "or is the machine overloaded?", e);
        }
        if (t instanceof QmpConnectionException e) {
            return new CliFailure(e.getMessage(), "check that QEMU is running with -qmp unix:PATH,server=on,wait=off "
                    + "and that no other client holds that monitor (a QMP socket serves one client at a time)", e);
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
