package dev.qmpkit.qmp.launch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The full QEMU command line of a launch: binary, firmware, the launcher's monitor, extra
 * monitors, display, confinement and exit-with-parent, then the user's arguments; and the rules
 * on which user arguments are the launcher's to add.
 */
final class CommandLine {

    private static final String MONITOR_ID = "qmpkit-qmp";
    private static final String EXTRA_MONITOR_ID = "qmpkit-extra";
    /** Ids of the guest agent channel's chardev, virtio-serial controller and port. */
    static final String AGENT_CHARDEV_ID = "qmpkit-qga0";
    static final String AGENT_SERIAL_ID = "qmpkit-vser0";
    static final String AGENT_PORT_ID = "qmpkit-qga0-port";
    /** Options that would add a second monitor or detach QEMU from the launcher. */
    static final Set<String> RESERVED = Set.of("qmp", "qmp-pretty", "mon", "daemonize");
    /** Options the launcher adds for its {@link Confinement}; a user who sets them passes {@link Confinement#none()}. */
    static final Set<String> CONFINEMENT = Set.of("sandbox", "runas", "chroot", "run-with");
    /** Options that choose a display themselves, so the launcher must not add {@code -display none}. */
    private static final Set<String> DISPLAY = Set.of("display", "nographic", "curses", "sdl", "vnc", "spice");

    private CommandLine() {
    }

    static List<String> of(QemuLauncher launcher, QemuVersionProbe.QemuBinaryInfo info, Path socket) {
        return of(launcher, info, socket, null);
    }

    /**
     * @param agentSocket where QEMU serves the guest agent channel, or null when the launch has none
     */
    static List<String> of(QemuLauncher launcher, QemuVersionProbe.QemuBinaryInfo info, Path socket,
                           Path agentSocket) {
        QemuBinary binary = launcher.binary();
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.executable().toString());
        cmd.addAll(binary.firmwareArgs());
        cmd.add("-chardev");
        cmd.add(QemuOption.of("socket").set("id", MONITOR_ID).set("path", socket).toString());
        cmd.add("-mon");
        cmd.add(QemuOption.keyValues().set("chardev", MONITOR_ID).set("mode", "control").toString());
        List<Path> extra = launcher.extraMonitors();
        for (int i = 0; i < extra.size(); i++) {
            String id = EXTRA_MONITOR_ID + (i + 1);
            cmd.add("-chardev");
            cmd.add(QemuOption.of("socket").set("id", id).set("path", extra.get(i))
                    .set("server", true).set("wait", false).toString());
            cmd.add("-mon");
            cmd.add(QemuOption.keyValues().set("chardev", id).set("mode", "control").toString());
        }
        if (launcher.args().stream().noneMatch(a -> DISPLAY.contains(optionName(a)))) {
            cmd.add("-display");
            cmd.add("none");
        }
        confinement(cmd, launcher.confinement(), info, binary);
        cmd.addAll(launcher.args());
        if (agentSocket != null) {
            // After the user's arguments, in the same place for a template and its clones, so the
            // controller gets the same PCI slot in both (migrated device state is matched by it).
            cmd.add("-chardev");
            cmd.add(QemuOption.of("socket").set("id", AGENT_CHARDEV_ID).set("path", agentSocket)
                    .set("server", true).set("wait", false).toString());
            cmd.add("-device");
            cmd.add(QemuOption.of("virtio-serial-pci").set("id", AGENT_SERIAL_ID).toString());
            cmd.add("-device");
            cmd.add(QemuOption.of("virtserialport").set("id", AGENT_PORT_ID).set("bus", AGENT_SERIAL_ID + ".0")
                    .set("chardev", AGENT_CHARDEV_ID).set("name", QemuLauncher.AGENT_PORT_NAME).toString());
        }
        return cmd;
    }

    /**
     * Adds {@code -sandbox}, the change of user and root directory in the binary's own spelling,
     * and {@code exit-with-parent}, which shares {@code -run-with} with them.
     *
     * @throws QemuLaunchException when the confinement asks for what the binary cannot do
     */
    private static void confinement(List<String> cmd, Confinement c, QemuVersionProbe.QemuBinaryInfo info,
                                    QemuBinary binary) {
        QemuVersionProbe.ConfinementSupport s = info.confinement();
        Optional<QemuUser> user = effectiveUser(c, s);
        if (c.seccomp() && s.sandbox()) {
            QemuOption sandbox = QemuOption.of("on");
            // elevateprivileges=deny would kill QEMU at its own change of uid (SIGSYS at start).
            for (String deny : user.isPresent() ? List.of("obsolete", "spawn", "resourcecontrol")
                    : List.of("obsolete", "elevateprivileges", "spawn", "resourcecontrol")) {
                if (s.sandboxOptions().contains(deny) && !(deny.equals("spawn") && c.spawnAllowed())) {
                    sandbox.set(deny, "deny");
                }
            }
            cmd.add("-sandbox");
            cmd.add(sandbox.toString());
        }
        if ((user.isPresent() || c.chroot().isPresent()) && s.userOption() == QemuVersionProbe.UserOption.NONE) {
            throw new QemuLaunchException(binary.executable() + " (QEMU " + info.version() + ") lists neither "
                    + "-run-with user= nor -runas in its -help, so it cannot drop to " + user.map(u -> "user " + u)
                    .orElse("a chroot") + " itself. Fix: use a QEMU built for Linux hosts, or start it with "
                    + "Confinement.builder().keepUser().chroot(null) (QemuLauncher.Builder.confinement)", null);
        }
        if (user.isPresent() && !s.numericUser()) {
            throw new QemuLaunchException(binary.executable() + " (QEMU " + info.version() + ") does not document "
                    + "a numeric uid:gid for its change of user, so it cannot drop to " + user.get() + ". Fix: use "
                    + "QEMU 4.0 or later, or Confinement.builder().keepUser() (QemuLauncher.Builder.confinement)", null);
        }
        QemuOption runWith = QemuOption.keyValues();
        boolean anyRunWith = false;
        if (info.exitWithParent()) {
            runWith.set("exit-with-parent", "on");
            anyRunWith = true;
        }
        if (s.userOption() == QemuVersionProbe.UserOption.RUN_WITH) {
            if (user.isPresent()) {
                runWith.set("user", user.get().toString());
                anyRunWith = true;
            }
            if (c.chroot().isPresent()) {
                runWith.set("chroot", c.chroot().get());
                anyRunWith = true;
            }
        } else if (s.userOption() == QemuVersionProbe.UserOption.RUNAS) {
            if (user.isPresent()) {
                cmd.add("-runas");
                cmd.add(user.get().toString());
            }
            if (c.chroot().isPresent()) {
                cmd.add("-chroot");
                cmd.add(c.chroot().get().toString());
            }
        }
        if (anyRunWith) {
            cmd.add("-run-with");
            cmd.add(runWith.toString());
        }
    }

    /**
     * @return the user QEMU will drop to: the confinement's, except that the automatic choice is
     *         skipped (and logged) where the binary cannot drop to a numeric uid; a user given
     *         explicitly is kept, and refused at launch
     */
    static Optional<QemuUser> effectiveUser(Confinement c, QemuVersionProbe.ConfinementSupport s) {
        Optional<QemuUser> user = c.user();
        if (user.isPresent() && c.userAutomatic()
                && (s.userOption() == QemuVersionProbe.UserOption.NONE || !s.numericUser())) {
            return Optional.empty();
        }
        return user;
    }

    /** @return the option's name without leading dashes (QEMU accepts {@code -opt} and {@code --opt}), or "" */
    static String optionName(String arg) {
        if (!arg.startsWith("-")) {
            return "";
        }
        String n = arg.startsWith("--") ? arg.substring(2) : arg.substring(1);
        return n.toLowerCase(Locale.ROOT);
    }
}
