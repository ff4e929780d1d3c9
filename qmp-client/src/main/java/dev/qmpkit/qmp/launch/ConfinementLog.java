package dev.qmpkit.qmp.launch;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says once per binary and kind of confinement how its QEMUs are confined, so an operator
 * sees the choice without a line per VM (per-clone uids differ only in the number).
 */
final class ConfinementLog {

    private static final Logger LOG = LoggerFactory.getLogger(Confinement.class);
    private static final Set<String> SAID = ConcurrentHashMap.newKeySet();

    private ConfinementLog() {
    }

    static void once(QemuLauncher launcher, QemuVersionProbe.QemuBinaryInfo info) {
        Confinement c = launcher.confinement();
        QemuVersionProbe.ConfinementSupport s = info.confinement();
        Optional<QemuUser> user = CommandLine.effectiveUser(c, s);
        String key = launcher.binary().executable() + "|" + c.seccomp() + c.spawnAllowed() + user.isPresent()
                + c.userAutomatic() + c.chroot().isPresent();
        if (!SAID.add(key)) {
            return;
        }
        String who = user.map(u -> "drops to uid " + u.uid() + " gid " + u.gid()
                        + (c.userAutomatic() ? " (nobody: the JVM runs as root)" : ""))
                .orElse(Confinement.Jvm.isRoot() ? "runs as root (the JVM's user" + (c.userAutomatic()
                        ? "; this QEMU cannot drop to a numeric uid:gid, its -help lists no -run-with user= or -runas)"
                        : ")") : "keeps the JVM's user (not root)");
        String sandbox = !c.seccomp() ? "seccomp sandbox off"
                : !s.sandbox() ? "seccomp sandbox requested, but this QEMU has no -sandbox (built without libseccomp)"
                : "seccomp sandbox on" + (c.spawnAllowed() ? ", spawn allowed" : "");
        String line = "QEMU {} ({}): {}, {}, {}; change with QemuLauncher.Builder.confinement or "
                + "Templating.Builder.confinement";
        Object[] args = {info.version(), launcher.binary().executable(), sandbox, who,
                c.chroot().map(d -> "chroot " + d).orElse("no chroot")};
        if ((c.seccomp() && !s.sandbox()) || (user.isEmpty() && Confinement.Jvm.isRoot())) {
            LOG.warn(line, args);
        } else {
            LOG.info(line, args);
        }
    }
}
