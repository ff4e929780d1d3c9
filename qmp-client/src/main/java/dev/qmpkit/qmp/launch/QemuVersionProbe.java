package dev.qmpkit.qmp.launch;

import dev.qmpkit.qmp.QemuVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds out, without starting a VM, what a QEMU binary is and which launcher features it
 * supports ({@code --version}, {@code -run-with help}, {@code -help}): never by version
 * number. Each binary is probed once per JVM (and again if its file changes); a probe takes a
 * few tens of milliseconds.
 */
public final class QemuVersionProbe {

    private static final Logger LOG = LoggerFactory.getLogger(QemuVersionProbe.class);
    private static final Pattern VERSION = Pattern.compile("version (\\d+)\\.(\\d+)(?:\\.(\\d+))?");
    private static final long PROBE_TIMEOUT_SECONDS = 10;
    private static final Pattern SUB_OPTION = Pattern.compile("[\\[,](\\w+)=");
    private static final Map<Key, QemuBinaryInfo> CACHE = new ConcurrentHashMap<>();

    private QemuVersionProbe() {
    }

    /**
     * What a QEMU binary reports about itself.
     *
     * @param version the version from {@code --version}; never null
     * @param versionLine the first line of {@code --version}, with the distribution's package string; never null
     * @param exitWithParent whether {@code -run-with exit-with-parent=on} is supported (QEMU 10.1+)
     * @param confinement how it can be confined, from {@code -help}; never null
     */
    public record QemuBinaryInfo(QemuVersion version, String versionLine, boolean exitWithParent,
                                 ConfinementSupport confinement) {
        /**
         * Validates.
         *
         * @param version the version from {@code --version}; never null
         * @param versionLine the first line of {@code --version}, with the distribution's package string; never null
         * @param exitWithParent whether {@code -run-with exit-with-parent=on} is supported (QEMU 10.1+)
         * @param confinement how it can be confined; never null
         */
        public QemuBinaryInfo {
            Objects.requireNonNull(version, "version");
            Objects.requireNonNull(versionLine, "versionLine");
            Objects.requireNonNull(confinement, "confinement");
        }

        /**
         * A binary that offers no confinement option.
         *
         * @param version the version from {@code --version}; never null
         * @param versionLine the first line of {@code --version}; never null
         * @param exitWithParent whether {@code -run-with exit-with-parent=on} is supported
         */
        public QemuBinaryInfo(QemuVersion version, String versionLine, boolean exitWithParent) {
            this(version, versionLine, exitWithParent, ConfinementSupport.NONE);
        }
    }

    /** How a binary spells the change of user and root directory. */
    public enum UserOption {
        /** {@code -run-with user=...,chroot=...} (QEMU 9.1 and later). */
        RUN_WITH,
        /** {@code -runas USER} and {@code -chroot DIR} (before QEMU 10.0). */
        RUNAS,
        /** Neither: the binary cannot drop privileges itself. */
        NONE
    }

    /**
     * The confinement options a QEMU binary lists in {@code -help}.
     *
     * @param sandboxOptions the {@code -sandbox on,...} sub-options it knows (e.g. {@code obsolete},
     *                       {@code elevateprivileges}, {@code spawn}, {@code resourcecontrol}); never null,
     *                       immutable, empty when {@link #sandbox()} is false
     * @param sandbox whether it has {@code -sandbox} (built with libseccomp)
     * @param userOption how it spells the change of user; never null
     * @param numericUser whether that option takes a numeric {@code uid:gid} (needed for uids without
     *                    a passwd entry)
     */
    public record ConfinementSupport(Set<String> sandboxOptions, boolean sandbox, UserOption userOption,
                                     boolean numericUser) {
        /** A binary without any confinement option. */
        public static final ConfinementSupport NONE = new ConfinementSupport(Set.of(), false, UserOption.NONE, false);

        /**
         * Copies and validates.
         *
         * @param sandboxOptions the {@code -sandbox} sub-options; never null
         * @param sandbox whether it has {@code -sandbox}
         * @param userOption how it spells the change of user; never null
         * @param numericUser whether a numeric {@code uid:gid} is accepted
         */
        public ConfinementSupport {
            sandboxOptions = Set.copyOf(sandboxOptions);
            Objects.requireNonNull(userOption, "userOption");
        }

        /**
         * Reads {@code qemu-system-* -help}.
         *
         * @param help the output of {@code -help}; never null
         * @return what it offers; never null
         */
        public static ConfinementSupport fromHelp(String help) {
            Set<String> options = new java.util.TreeSet<>();
            boolean sandbox = false;
            UserOption user = UserOption.NONE;
            boolean numeric = false;
            List<String> lines = help.lines().toList();
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.startsWith("-sandbox ")) {
                    sandbox = true;
                    // The synopsis may wrap onto indented lines that start with '['.
                    for (int j = i; j < lines.size() && (j == i || lines.get(j).trim().startsWith("[")); j++) {
                        Matcher m = SUB_OPTION.matcher(lines.get(j));
                        while (m.find()) {
                            options.add(m.group(1));
                        }
                    }
                } else if (line.startsWith("-run-with ") && line.contains("user=")) {
                    user = UserOption.RUN_WITH;
                    numeric = describes(lines, i, "uid:gid");
                } else if (line.startsWith("-runas ") && user == UserOption.NONE) {
                    user = UserOption.RUNAS;
                    numeric = describes(lines, i, "uid:gid");
                }
            }
            return new ConfinementSupport(options, sandbox, user, numeric);
        }

        /** @return whether the option's synopsis line or its indented description mentions {@code text} */
        private static boolean describes(List<String> lines, int at, String text) {
            for (int j = at; j < lines.size() && (j == at || lines.get(j).startsWith(" ")); j++) {
                if (lines.get(j).contains(text)) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * @param binary the QEMU to probe; never null
     * @return what it supports, cached per binary
     * @throws QemuLaunchException when the binary cannot be run or does not look like QEMU
     */
    public static QemuBinaryInfo probe(QemuBinary binary) {
        Objects.requireNonNull(binary, "binary");
        FileTime mtime;
        try {
            mtime = Files.getLastModifiedTime(binary.executable());
        } catch (IOException e) {
            throw new QemuLaunchException("QEMU binary " + binary.executable() + " cannot be read: " + e.getMessage()
                    + ". Install QEMU (./scripts/install-qemu.sh) or pass the right path.", e);
        }
        return CACHE.computeIfAbsent(new Key(binary, mtime), k -> probeUncached(binary));
    }

    private static QemuBinaryInfo probeUncached(QemuBinary binary) {
        String version = run(binary, "--version");
        String firstLine = version.lines().findFirst().orElse("").trim();
        Matcher m = VERSION.matcher(firstLine);
        if (!m.find()) {
            throw new QemuLaunchException(binary.executable() + " --version did not print a QEMU version: '"
                    + firstLine + "'", null);
        }
        QemuVersion v = new QemuVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                m.group(3) == null ? 0 : Integer.parseInt(m.group(3)));
        // QEMU before 9.0 has no -run-with at all and answers "invalid option"; exit-with-parent came later still.
        boolean exitWithParent = run(binary, "-run-with", "help").contains("exit-with-parent");
        ConfinementSupport confinement = ConfinementSupport.fromHelp(run(binary, "-help"));
        QemuBinaryInfo info = new QemuBinaryInfo(v, firstLine, exitWithParent, confinement);
        LOG.debug("probed {}: {}", binary.executable(), info);
        return info;
    }

    /** Runs the binary with the firmware args and returns stdout and stderr together. */
    private static String run(QemuBinary binary, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.executable().toString());
        cmd.addAll(binary.firmwareArgs());
        cmd.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            throw new QemuLaunchException("cannot run " + String.join(" ", cmd) + ": " + e.getMessage(), e);
        }
        try (InputStream in = p.getInputStream()) {
            // Wait before reading: the answers fit in a pipe buffer, and a binary that hangs must not block us.
            if (!p.waitFor(PROBE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new QemuLaunchException(String.join(" ", cmd) + " did not exit within "
                        + PROBE_TIMEOUT_SECONDS + " s; is it QEMU?", null);
            }
            return new String(in.readNBytes(256 * 1024), StandardCharsets.UTF_8);
        } catch (IOException e) {
            p.destroyForcibly();
            throw new QemuLaunchException("cannot read the output of " + String.join(" ", cmd) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new QemuLaunchException("interrupted while probing " + binary.executable(), e);
        }
    }

    private record Key(QemuBinary binary, FileTime mtime) {
    }
}
