package dev.qmpkit.samples;

import dev.qmpkit.qmp.agent.BlockingGuestAgent;
import dev.qmpkit.qmp.agent.ExecRequest;
import dev.qmpkit.qmp.agent.ExecResult;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.templating.CloneOptions;
import dev.qmpkit.templating.CloneVm;
import dev.qmpkit.templating.Disk;
import dev.qmpkit.templating.Template;
import dev.qmpkit.templating.TemplateVm;
import dev.qmpkit.templating.Templating;
import dev.qmpkit.templating.VmDescription;
import dev.qmpkit.templating.fixup.ClockFixUp;
import dev.qmpkit.templating.fixup.FailurePolicy;
import dev.qmpkit.templating.fixup.FixUps;
import dev.qmpkit.templating.guest.LinuxGuest;
import dev.qmpkit.templating.guest.SerialLog;
import java.nio.file.Path;
import java.time.Duration;

/** The README's disk, agent and fix-up example, verbatim (but for this comment and the package line); run by {@link ReadmeForkExampleIT}. */
public class ForkExample {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);                                     // where the template goes (absent or empty)
        LinuxGuest linux = LinuxGuest.builder().build();                 // Linux 6.12, busybox, qemu-ga, an ext4 data disk
        VmDescription vm = VmDescription.builder().ram(512L << 20).boot(linux.boot())
                .guestAgent(true)                                        // a virtio-serial port for qemu-ga
                .disk(Disk.overlay("data", linux.dataDisk(), Disk.Format.RAW))   // the guest's /data, layered per clone
                .build();
        try (Templating templating = Templating.builder().build()) {
            Template template;
            try (TemplateVm tvm = templating.startTemplate(QemuBinary.system(), vm, dir)) {
                SerialLog.awaitReady(tvm.serialLog(), Duration.ofSeconds(120));
                BlockingGuestAgent agent = tvm.agent().blocking();
                agent.awaitAgent(Duration.ofSeconds(60));                // the template's agent runs
                agent.exec(ExecRequest.of("head", "-c", "1", "/dev/random"));  // its RNG is seeded: clones reseed
                template = tvm.save();                                   // RAM and disk layer frozen together
            }
            CloneOptions options = CloneOptions.builder()
                    .fixUps(FixUps.clock(), FixUps.entropy(), FixUps.machineId(), FixUps.hostname(),
                            FixUps.network(),                            // a NIC with a MAC of its own, then DHCP
                            FixUps.guestCommand("motd", ExecRequest.of("sh", "-c", "echo forked > /etc/motd"))
                                    .onFailure(FailurePolicy.WARN))      // a hook of yours; a failure only warns
                    .build();
            try (CloneVm clone = template.startClone(options)) {        // handed out once its agent answered
                System.out.println(clone.report());                     // each fix-up: result and time
                clone.report().detail(ClockFixUp.Result.class).ifPresent(c ->
                        System.out.println("the clock was " + c.skewBefore().toMillis() + " ms behind"));
                ExecResult r = clone.agent().blocking().exec(ExecRequest.of("sh", "-c",
                        "echo mine > /data/mine.txt && hostname && cat /data/mine.txt"));
                System.out.print(r.stdoutText());                       // its own hostname, its own disk
                System.out.println("overlay " + clone.disks().get("data") + ", MAC " + clone.mac());
            }                                                            // QEMU stopped, overlay deleted, MAC given back
        }
    }
}
