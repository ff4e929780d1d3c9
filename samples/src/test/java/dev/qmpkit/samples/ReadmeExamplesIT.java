package dev.qmpkit.samples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpEvent;
import dev.qmpkit.qmp.command.RunState;
import dev.qmpkit.qmp.command.StatusInfo;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.templating.Boot;
import dev.qmpkit.templating.CloneVm;
import dev.qmpkit.templating.Template;
import dev.qmpkit.templating.TemplateVm;
import dev.qmpkit.templating.VmDescription;
import dev.qmpkit.templating.guest.BuiltinGuest;
import dev.qmpkit.templating.guest.LinuxGuest;
import dev.qmpkit.templating.guest.SerialLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java examples of the top-level README.md, verbatim, run against the system QEMU (the
 * README's examples use {@code QemuBinary.system()}). {@link ReadmeExamplesTest} fails when the
 * README and this file drift apart, so what the README shows is what was run.
 */
class ReadmeExamplesIT {

    @TempDir
    Path dir;

    @Test
    void clientExample() {
        String seen;
        // README: client example
        try (QemuProcess qemu = QemuLauncher.builder(QemuBinary.system())
                .args("-M", "none", "-accel", "tcg").build().start()) {
            QmpClient qmp = qemu.qmp();
            System.out.println("QEMU " + qmp.qemuVersion());
            StatusInfo status = qmp.commands().queryStatus().join();          // typed, async
            JsonNode name = qmp.blocking().execute("query-name");             // raw, blocking view
            CompletableFuture<QmpEvent> stopped = qmp.awaitEvent("STOP", null, Duration.ofSeconds(5));
            qmp.execute("stop");                                               // registered before sending
            System.out.println(status.status() + " -> " + stopped.join().name());
            // end README
            assertThat(status.status()).isEqualTo(RunState.RUNNING);
            assertThat(name.isObject()).isTrue();
            seen = stopped.join().name();
            assertThat(qemu.isAlive()).isTrue();
        }   // close(): quit, then SIGTERM, then SIGKILL by PID; the private run directory is deleted
        assertThat(seen).isEqualTo("STOP");
    }

    @Test
    void templatingExample() throws Exception {
        // README: templating example
        QemuBinary qemu = QemuBinary.system();
        VmDescription vm = VmDescription.builder()
                .ram(256L << 20)                                   // one memory-backend-file, share=on
                .boot(Boot.kernel(BuiltinGuest.writeKernel(dir)))  // the built-in test guest
                .build();
        Template template;
        Path templateLog;
        try (TemplateVm tvm = TemplateVm.start(qemu, vm, dir.resolve("template"))) {
            SerialLog.awaitReady(tvm.serialLog(), Duration.ofSeconds(30));  // the guest is up
            templateLog = tvm.serialLog();
            template = tvm.save();                         // stop, x-ignore-shared, migrate, manifest
        }
        try (CloneVm clone = template.startClone()) {      // verify, -incoming defer, restore, cont
            System.out.println(clone.pid() + " " + clone.spawnToRunning() + " " + clone.memoryUsage());
            // end README
            assertThat(clone.isAlive()).isTrue();
            assertThat(clone.memoryUsage().pssKiB()).isPositive();
            long template0 = SerialLog.read(templateLog).lastCount().orElse(0);
            SerialLog resumed = SerialLog.awaitCountAbove(clone.serialLog(), template0, Duration.ofSeconds(30));
            assertThat(resumed.ready()).as("the clone resumed, it did not boot again").isFalse();
        }
        assertThat(Files.exists(dir.resolve("template").resolve("manifest.json"))).isTrue();
    }

    @Test
    void linuxGuestExample() throws Exception {
        Path log;
        // README: Linux guest example
        LinuxGuest linux = LinuxGuest.builder().build();   // cached in $QMPKIT_CACHE/linux-guest/
        VmDescription desc = VmDescription.builder().ram(256L << 20).boot(linux.boot()).build();
        try (TemplateVm tvm = TemplateVm.start(QemuBinary.system(), desc, dir.resolve("linux"))) {
            SerialLog.awaitReady(tvm.serialLog(), Duration.ofSeconds(90));  // /init is done
            System.out.println(linux.kernelPackage() + ", data disk " + linux.dataDisk());
            // end README
            log = tvm.serialLog();
        }
        assertThat(Files.readString(log)).contains("qmpkit-init: agent none, data disk none, kernel 6.12.");
        assertThat(linux.kernelPackage()).startsWith("linux-image-6.12.");
        assertThat(linux.dataDisk()).exists();
    }
}
