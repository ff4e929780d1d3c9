package dev.qmpkit.templating.internal;

import dev.qmpkit.qmp.QmpOptions;
import dev.qmpkit.qmp.launch.Confinement;
import dev.qmpkit.qmp.agent.AgentOptions;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.qmp.launch.QemuStarter;
import dev.qmpkit.qmp.launch.QemuUser;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Starts the QEMU of a template or a clone through the owner's starter, with the owner's monitor
 * options and confinement (a clone with a uid of its own gets that user instead) and, for a VM
 * with a guest agent channel, the owner's agent options.
 */
public final class Launches {

    private final QemuStarter starter;
    private final QmpOptions qmpOptions;
    private final Confinement confinement;
    private final AgentOptions agentOptions;

    /**
     * @param starter starts every QEMU; never null
     * @param qmpOptions the options of every monitor client; never null
     * @param confinement how every QEMU is confined; never null
     * @param agentOptions the options of every guest agent client; never null
     */
    public Launches(QemuStarter starter, QmpOptions qmpOptions, Confinement confinement, AgentOptions agentOptions) {
        this.starter = Objects.requireNonNull(starter, "starter");
        this.qmpOptions = Objects.requireNonNull(qmpOptions, "qmpOptions");
        this.confinement = Objects.requireNonNull(confinement, "confinement");
        this.agentOptions = Objects.requireNonNull(agentOptions, "agentOptions");
    }

    /**
     * @param user a clone's own user, or null for the owner's confinement as it is
     * @return the confinement a QEMU of that user is started with
     */
    Confinement confinement(QemuUser user) {
        return user == null ? confinement : confinement.toBuilder().user(user).build();
    }

    /**
     * @param binary the QEMU; never null
     * @param args its arguments (the launcher adds the monitor); never null
     * @param name for logs and the run directory; never null
     * @param startTimeout how long QEMU may take to serve its monitor, or null for the launcher's default
     * @param user a clone's own user, or null for the owner's confinement as it is
     * @param guestAgent whether the VM gets a guest agent channel
     * @return the running QEMU
     */
    QemuProcess start(QemuBinary binary, List<String> args, String name, Duration startTimeout, QemuUser user,
                      boolean guestAgent) {
        QemuLauncher.Builder b = QemuLauncher.builder(binary).args(args).name(name).qmpOptions(qmpOptions)
                .confinement(confinement(user)).guestAgent(guestAgent ? agentOptions : null);
        if (startTimeout != null) {
            b.startTimeout(startTimeout);
        }
        QemuLauncher launch = b.build();
        return Objects.requireNonNull(starter.start(launch), () -> "the QemuStarter returned no process for " + name);
    }
}
