package dev.qmpkit.templating.internal;

import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.templating.Step;
import dev.qmpkit.templating.inspect.ReadinessReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The clone guard's passing verdicts, one per kind of clone an owner started, so that the guard
 * inspects the first clone of each kind as QEMU runs it and the next ones of that kind cost no
 * QMP round trip (the inspection is dozens of them: about 12 ms of QEMU's CPU and as much of the
 * JVM's per clone, most of a burst's extra cost).
 *
 * <p>Two clones are of one kind when QEMU builds the same VM for them: the same QEMU binary file
 * (path, size, modification and change times, inode), the same template (directory and manifest
 * fingerprint, whose files the launch already verified), the same command line as the kernel
 * reports it for the running QEMU ({@code /proc/PID/cmdline}, which must equal what the launcher
 * says it started), apart from the values the workflow gives each clone (its work and run
 * directories and every path in them: serial log, disk overlays, monitor and agent sockets;
 * vmgenid GUID, UUID and uid), and the same steps run on it before the check (the only ones that
 * change a paused clone over QMP; {@code IDENTITY} hot-plugs the same netdev and NIC model into
 * every clone, with only its MAC its own, which the guard does not judge on a clone). A clone's
 * own value is masked only where it stands as a whole argument, a whole option value
 * ({@code key=value} between commas) or, for a directory, as the start of a path in one: a value
 * that merely occurs inside another (a uid inside a size) is left as it is, so it can only make
 * two kinds of one, never one of two. QEMU builds its devices and memory backends
 * from exactly those inputs; the guest has not run. Whatever cannot be identified that way is
 * inspected in full every time: a QEMU whose {@code /proc} entry is gone or differs (a
 * {@link dev.qmpkit.qmp.launch.QemuStarter} that is not the real launcher, a QEMU that died: a
 * zombie has no command line), a command line with {@code -readconfig} (a file whose contents may
 * change between clones). Only passing verdicts are kept: a refused kind is inspected, and
 * refused, again each time. Concurrent first clones of one kind wait for the one that inspects.
 * Owned by one {@code Templating}.
 */
public final class CloneVerdicts {

    /** Bounds the map for an owner that clones very many templates or binaries. */
    private static final int MAX_KINDS = 1024;

    private final Map<Kind, CompletableFuture<ReadinessReport>> verdicts = new ConcurrentHashMap<>();

    /**
     * What makes two clones the same VM to QEMU.
     *
     * @param template the template directory
     * @param fingerprint its manifest's fingerprint
     * @param binary the QEMU binary's path and file identity
     * @param argv the command line with each clone's own values replaced by placeholders
     * @param steps the steps run before the check
     */
    record Kind(Path template, String fingerprint, String binary, List<String> argv, List<Step> steps) {
    }

    /**
     * The kind of a running clone, or null when it cannot be told (then it is inspected in full).
     *
     * @param process the clone's QEMU, paused after its restore
     * @param template the template directory
     * @param fingerprint the template manifest's fingerprint
     * @param own each value given to this clone only (directories, GUIDs, uid), null entries
     *            ignored; a value that starts with {@code /} is a directory, and paths under it are
     *            the clone's too
     * @param steps the steps run on it so far
     */
    static Kind kindOf(QemuProcess process, Path template, String fingerprint, List<String> own, List<Step> steps) {
        List<String> argv;
        String binary;
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
            argv = raw.length == 0 ? List.of() : List.of(new String(raw, StandardCharsets.UTF_8).split("\0", -1));
            if (argv.size() > 1 && argv.get(argv.size() - 1).isEmpty()) {
                argv = argv.subList(0, argv.size() - 1);
            }
            if (argv.isEmpty() || !argv.equals(process.commandLine())) {
                return null;
            }
            Path exe = Path.of(argv.get(0));
            BasicFileAttributes a = Files.readAttributes(exe, BasicFileAttributes.class);
            binary = exe.toAbsolutePath() + "|" + a.size() + "|" + a.lastModifiedTime().toMillis() + "|"
                    + Files.getAttribute(exe, "unix:ctime") + "|" + a.fileKey();
        } catch (IOException | RuntimeException e) {
            return null;
        }
        List<String> masked = new ArrayList<>(argv.size());
        for (String a : argv) {
            if (a.equals("-readconfig") || a.equals("--readconfig")) {
                return null;
            }
            masked.add(mask(a, own));
        }
        return new Kind(template, fingerprint, binary, List.copyOf(masked), List.copyOf(steps));
    }

    /**
     * @param arg one argument of the command line
     * @param own the clone's own values
     * @return the argument with each own value that stands as the whole argument, as a whole
     *         comma-separated part or the value of a {@code key=value} part, replaced by a
     *         placeholder (a directory also as the start of a path there)
     */
    static String mask(String arg, List<String> own) {
        String whole = maskValue(arg, own);
        if (whole != null) {
            return whole;
        }
        // QEMU's escaped comma (",,") stays inside its part: such a part is compared as it is.
        String[] parts = arg.split("(?<!,),(?!,)", -1);
        StringBuilder out = new StringBuilder(arg.length());
        for (int p = 0; p < parts.length; p++) {
            String part = parts[p];
            int eq = part.indexOf('=');
            String m = eq < 0 ? maskValue(part, own) : maskValue(part.substring(eq + 1), own);
            if (p > 0) {
                out.append(',');
            }
            out.append(m == null ? part : eq < 0 ? m : part.substring(0, eq + 1) + m);
        }
        return out.toString();
    }

    /** @return the value with its own value masked, or null when it is no clone's own value */
    private static String maskValue(String v, List<String> own) {
        for (int i = 0; i < own.size(); i++) {
            String o = own.get(i);
            if (o == null || o.isEmpty()) {
                continue;
            }
            if (v.equals(o)) {
                return "<own" + i + ">";
            }
            if (o.startsWith("/") && v.startsWith(o.endsWith("/") ? o : o + "/")) {
                return "<own" + i + ">" + v.substring(o.length());
            }
        }
        return null;
    }

    /**
     * @param kind the clone's kind, or null to inspect it in full
     * @param inspect the full inspection: returns a passing report or throws (a refusal)
     * @return the passing report of this clone's kind
     */
    ReadinessReport check(Kind kind, Supplier<ReadinessReport> inspect) {
        if (kind == null) {
            return inspect.get();
        }
        CompletableFuture<ReadinessReport> mine = new CompletableFuture<>();
        CompletableFuture<ReadinessReport> known = verdicts.putIfAbsent(kind, mine);
        if (known != null) {
            try {
                return known.join();
            } catch (CompletionException | java.util.concurrent.CancellationException e) {
                // The clone that inspected this kind was refused or failed: judge this one itself.
                return inspect.get();
            }
        }
        try {
            ReadinessReport r = inspect.get();
            if (verdicts.size() > MAX_KINDS) {
                verdicts.clear();
            }
            mine.complete(r);
            return r;
        } catch (RuntimeException | Error e) {
            verdicts.remove(kind, mine);
            mine.completeExceptionally(e);
            throw e;
        }
    }
}
