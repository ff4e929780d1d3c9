package dev.qmpkit.qmp.launch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The full QEMU command line of a launch: binary, firmware, the launcher's monitor, extra
 * monitors, display, exit-with-parent, then the user's arguments; and the rules on which user
 * arguments are the launcher's to add.
 */
final class CommandLine {

    private static final String MONITOR_ID = "qmpkit-qmp";
    private static final String EXTRA_MONITOR_ID = "qmpkit-extra";
    /** Options that would add a second monitor or detach QEMU from the launcher. */
    static final Set<String> RESERVED = Set.of("qmp", "qmp-pretty", "mon", "daemonize");
    /** Options that choose a display themselves, so the launcher must not add {@code -display none}. */
    private static final Set<String> DISPLAY = Set.of("display", "nographic", "curses", "sdl", "vnc", "spice");

    private CommandLine() {
    }

    static List<String> of(QemuLauncher launcher, QemuVersionProbe.QemuBinaryInfo info, Path socket) {
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
        if (info.exitWithParent()) {
            cmd.add("-run-with");
            cmd.add("exit-with-parent=on");
        }
        cmd.addAll(launcher.args());
        return cmd;
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
