package dev.qmpkit.samples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpEndpoint;
import dev.qmpkit.qmp.QmpOptions;
import dev.qmpkit.qmp.launch.ConfinementStatus;
import dev.qmpkit.templating.inspect.Finding;
import dev.qmpkit.templating.inspect.ReadinessChecker;
import dev.qmpkit.templating.inspect.ReadinessReport;
import dev.qmpkit.templating.inspect.VmRole;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Check a VM: can this running VM (started by anyone, not only by this SDK) be saved as a
 * template, or is it a proper clone? Prints the readiness report: one line per finding with
 * its severity, the object it concerns and the fix. Then, for the operator, how its QEMU is
 * confined: user, seccomp mode, {@code NoNewPrivs} (from {@code /proc/PID/status}; the process
 * is found from the monitor socket, or given with {@code --pid}). Confinement does not change
 * the exit code.
 *
 * <pre>
 *   ./qmpkit check --socket /tmp/qmp.sock        exit 0 when ready, 1 when not
 *   ./qmpkit check --socket /tmp/qmp.sock --accept-shared-macs   a NIC in the template is a warning
 * </pre>
 */
public final class CheckVm {
    private static final ObjectMapper JSON = new ObjectMapper();

    private CheckVm() {
    }

    /**
     * @param args the QMP socket path
     * @throws IOException never: no JSON file is written
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: CheckVm SOCKET");
            System.exit(2);
        }
        System.exit(run(Path.of(args[0]), VmRole.TEMPLATE, false, System.out, null) ? 0 : 1);
    }

    /**
     * Checks the VM; for a template, the verdict is the one {@code TemplateVm.save} would give.
     *
     * @param socket the QMP socket of a running QEMU; never null
     * @param role what the VM is to be: a template, or a clone of one; never null
     * @param acceptSharedMacs whether a NIC in a template is accepted (every clone gets its MAC),
     *                         as {@code SaveOptions.acceptSharedMacs(true)} does: a warning, not an error
     * @param out receives the report; never null
     * @param json where to write the report as JSON too; null for none
     * @return whether the VM is ready for the role (no error finding)
     * @throws IOException when the JSON file cannot be written
     */
    public static boolean run(Path socket, VmRole role, boolean acceptSharedMacs, PrintStream out, Path json)
            throws IOException {
        return run(socket, role, acceptSharedMacs, null, out, json);
    }

    /**
     * Checks the VM as {@link #run(Path, VmRole, boolean, PrintStream, Path)} does, then prints how
     * its QEMU is confined (information for the operator; it does not change the verdict).
     *
     * @param socket the QMP socket of a running QEMU; never null
     * @param role what the VM is to be: a template, or a clone of one; never null
     * @param acceptSharedMacs whether a NIC in a template is accepted, as {@code SaveOptions.acceptSharedMacs(true)} does
     * @param pid the QEMU's process id, or null to find it from the monitor socket
     * @param out receives the report and the confinement; never null
     * @param json where to write the report (with a {@code confinement} object) as JSON too; null for none
     * @return whether the VM is ready for the role (no error finding)
     * @throws IOException when the JSON file cannot be written
     */
    public static boolean run(Path socket, VmRole role, boolean acceptSharedMacs, Long pid, PrintStream out,
                              Path json) throws IOException {
        try (QmpClient qmp = QmpClient.connectBlocking(QmpEndpoint.unix(socket), QmpOptions.defaults())) {
            // Read-only: a few dozen queries (memory backends, devices, capabilities, schema).
            ReadinessReport checked = ReadinessChecker.check(qmp, role);
            ReadinessReport report = acceptSharedMacs ? checked.acceptingSharedMacs() : checked;
            out.println(report.render());
            ConfinementStatus confinement = null;
            String unknown = null;
            try {
                confinement = pid != null ? ConfinementStatus.ofPid(pid)
                        : ConfinementStatus.ofMonitor(socket).orElse(null);
                if (confinement == null) {
                    unknown = "the QEMU behind the socket cannot be found without Netty's native transport; "
                            + "pass --pid";
                }
            } catch (IOException e) {
                unknown = e.getMessage() + (pid == null ? "; pass --pid" : "");
            }
            out.println("Confinement (information, not part of the verdict):");
            out.println(confinement != null ? "  " + confinement.render().replace("\n", "\n  ")
                    : "  unknown: " + unknown);
            if (json != null) {
                ObjectNode root = toJson(report);
                if (confinement != null) {
                    root.set("confinement", JSON.valueToTree(confinement));
                }
                Files.writeString(json, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
            }
            return report.isReady();
        }
    }

    static ObjectNode toJson(ReadinessReport report) {
        ObjectNode root = JSON.createObjectNode();
        root.put("ready", report.isReady());
        root.put("role", report.role().name().toLowerCase(java.util.Locale.ROOT));
        root.put("qemuVersion", report.qemuVersion().toString());
        ArrayNode findings = root.putArray("findings");
        for (Finding f : report.findings()) {
            findings.addObject().put("severity", f.severity().name()).put("code", f.code().name())
                    .put("subject", f.subject()).put("problem", f.problem()).put("fix", f.fix());
        }
        return root;
    }
}
