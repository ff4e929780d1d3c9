package dev.qmpkit.templating.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qmpkit.templating.Accel;
import dev.qmpkit.templating.Boot;
import dev.qmpkit.templating.Disk;
import dev.qmpkit.templating.RamBackend;
import dev.qmpkit.templating.TemplateManifest;
import dev.qmpkit.templating.VmDescription;
import dev.qmpkit.templating.inspect.Finding;
import dev.qmpkit.templating.inspect.FindingCode;
import dev.qmpkit.templating.inspect.Severity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestIoTest {

    private static final String FINGERPRINT_BEFORE_MAX_MEMORY =
            "43bd6cfa4ae521356b76c0efa57fcc10faee34800b91a216831849d7b527e84b";

    private static TemplateManifest manifest(String machine) {
        return manifest(machine, "ab");
    }

    private static TemplateManifest manifest(String machine, String ramSha) {
        VmDescription d = VmDescription.builder().machineType(machine).accel(Accel.TCG).ram(64L << 20)
                .boot(Boot.kernel(Path.of("/k dir, \"x\"/kernel\n.bin")).withAppend("console=ttyS0")).build();
        return new TemplateManifest(TemplateManifest.FORMAT_VERSION, "2026-11-25T23:00:00Z",
                new TemplateManifest.QemuInfo("10.0.2", "QEMU emulator version 10.0.2", "/usr/bin/qemu-system-x86_64",
                        List.of(), true),
                machine, "pc-q35-10.0", TemplateManifest.CloneRecipe.READONLY_PRIVATE,
                List.of(new TemplateManifest.BackendFile("ram0", RamBackend.Kind.MAIN, 64L << 20, "mem-ram0.ram", ramSha)),
                new TemplateManifest.StateFile("state.bin", 1234, "cd", 7), d, List.of(), null);
    }

    @Test
    void manifestRoundTripsAndAnyEditChangesTheFingerprint(@TempDir Path dir) throws Exception {
        TemplateManifest signed = ManifestIo.sign(manifest("q35"));
        ManifestIo.write(dir, signed);
        Path file = dir.resolve(TemplateManifest.FILE_NAME);
        JsonNode json = new ObjectMapper().readTree(file.toFile());
        assertThat(json.fieldNames()).toIterable().containsExactly("formatVersion", "createdAt", "qemu", "machineType",
                "resolvedMachineType", "cloneRecipe", "backends", "state", "description", "fingerprint");
        assertThat(json.path("description").path("ramBackends").get(0).path("sizeBytes").asLong()).isEqualTo(64L << 20);
        TemplateManifest read = new ObjectMapper().readValue(file.toFile(), TemplateManifest.class);
        assertThat(read).isEqualTo(signed);
        assertThat(read.description().boot().kernel()).isEqualTo(signed.description().boot().kernel());
        assertThat(ManifestIo.fingerprint(read)).isEqualTo(signed.fingerprint());
        assertThat(ManifestIo.fingerprint(manifest("pc"))).isNotEqualTo(signed.fingerprint());
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(Durable.FILE_0600);
    }

    @Test
    void manifestWithoutRamChecksumsRoundTripsWithANullHashCoveredByTheFingerprint(@TempDir Path dir)
            throws Exception {
        TemplateManifest signed = ManifestIo.sign(manifest("q35", null));
        ManifestIo.write(dir, signed);
        Path file = dir.resolve(TemplateManifest.FILE_NAME);
        JsonNode backend = new ObjectMapper().readTree(file.toFile()).path("backends").get(0);
        assertThat(backend.has("sha256")).as("the field is written, as null").isTrue();
        assertThat(backend.get("sha256").isNull()).isTrue();
        TemplateManifest read = new ObjectMapper().readValue(file.toFile(), TemplateManifest.class);
        assertThat(read).isEqualTo(signed);
        assertThat(read.backends().get(0).sha256()).isNull();
        assertThat(ManifestIo.fingerprint(read)).isEqualTo(signed.fingerprint());
        // Adding or removing a RAM checksum without re-signing is an edit like any other.
        assertThat(ManifestIo.fingerprint(manifest("q35", "ab"))).isNotEqualTo(signed.fingerprint());
    }

    @Test
    void maxMemoryIsInTheManifestOnlyWhenSet_soOlderFingerprintsStayValid(@TempDir Path dir) throws Exception {
        TemplateManifest plain = ManifestIo.sign(manifest("q35"));
        ManifestIo.write(dir, plain);
        JsonNode json = new ObjectMapper().readTree(dir.resolve(TemplateManifest.FILE_NAME).toFile());
        assertThat(json.path("description").has("maxMemoryBytes")).isFalse();
        // The fingerprint of the same manifest as written before maxMemory existed (recorded from main).
        assertThat(plain.fingerprint()).isEqualTo(FINGERPRINT_BEFORE_MAX_MEMORY);

        TemplateManifest m = manifest("q35");
        TemplateManifest withRoom = ManifestIo.sign(new TemplateManifest(m.formatVersion(), m.createdAt(), m.qemu(),
                m.machineType(), m.resolvedMachineType(), m.cloneRecipe(), m.backends(), m.state(),
                m.description().toBuilder().maxMemory(1L << 30).build(), List.of(), null));
        ManifestIo.write(dir, withRoom);
        TemplateManifest read = new ObjectMapper().readValue(dir.resolve(TemplateManifest.FILE_NAME).toFile(),
                TemplateManifest.class);
        assertThat(read.description().maxMemoryBytes()).isEqualTo(1L << 30);
        assertThat(ManifestIo.fingerprint(read)).isEqualTo(withRoom.fingerprint()).isNotEqualTo(plain.fingerprint());
    }

    @Test
    void warningsAreInTheManifestOnlyWhenThereAreSome_coveredByTheFingerprint_andOlderManifestsStillRead(
            @TempDir Path dir) throws Exception {
        TemplateManifest plain = ManifestIo.sign(manifest("q35"));
        ManifestIo.write(dir, plain);
        Path file = dir.resolve(TemplateManifest.FILE_NAME);
        assertThat(new ObjectMapper().readTree(file.toFile()).has("warnings")).as("as manifests were written before")
                .isFalse();
        assertThat(plain.fingerprint()).isEqualTo(FINGERPRINT_BEFORE_MAX_MEMORY);
        assertThat(new ObjectMapper().readValue(file.toFile(), TemplateManifest.class).warnings()).isEmpty();

        TemplateManifest m = manifest("q35");
        Finding nic = new Finding(Severity.WARNING, FindingCode.NIC_MAC_SHARED, "nic0", "NIC nic0 with MAC "
                + "52:54:00:12:34:56: its MAC travels in the migrated state.", "Remove `-device virtio-net-pci,id=nic0`.");
        TemplateManifest warned = ManifestIo.sign(new TemplateManifest(m.formatVersion(), m.createdAt(), m.qemu(),
                m.machineType(), m.resolvedMachineType(), m.cloneRecipe(), m.backends(), m.state(), m.description(),
                List.of(nic), null));
        ManifestIo.write(dir, warned);
        JsonNode json = new ObjectMapper().readTree(file.toFile());
        assertThat(json.path("warnings").get(0).path("code").asText()).isEqualTo("NIC_MAC_SHARED");
        assertThat(json.path("warnings").get(0).path("severity").asText()).isEqualTo("WARNING");
        TemplateManifest read = new ObjectMapper().readValue(file.toFile(), TemplateManifest.class);
        assertThat(read).isEqualTo(warned);
        assertThat(read.warnings()).containsExactly(nic);
        assertThat(ManifestIo.fingerprint(read)).isEqualTo(warned.fingerprint()).isNotEqualTo(plain.fingerprint());
        // Removing a recorded warning is an edit like any other.
        assertThat(ManifestIo.fingerprint(new TemplateManifest(m.formatVersion(), m.createdAt(), m.qemu(),
                m.machineType(), m.resolvedMachineType(), m.cloneRecipe(), m.backends(), m.state(), m.description(),
                List.of(), warned.fingerprint()))).isNotEqualTo(warned.fingerprint());
    }

    @Test
    void disksAndTheAgentChannelAreInTheManifestOnlyWhenThere_andRoundTrip(@TempDir Path dir) throws Exception {
        TemplateManifest m = manifest("q35");
        VmDescription d = m.description().toBuilder().guestAgent(true)
                .disk(Disk.overlay("data", Path.of("/cache/data, \"1\".ext4"), Disk.Format.RAW))
                .disk(Disk.blank("scratch", 1L << 30)).build();
        TemplateManifest withDisks = ManifestIo.sign(new TemplateManifest(m.formatVersion(), m.createdAt(), m.qemu(),
                m.machineType(), m.resolvedMachineType(), m.cloneRecipe(), m.backends(), m.state(), d, List.of(),
                List.of(new TemplateManifest.DiskLayer("data", "disk-data.qcow2", 196_608, "ee",
                                "/cache/data, \"1\".ext4", 64L << 20, "ff"),
                        new TemplateManifest.DiskLayer("scratch", "disk-scratch.qcow2", 196_608, null, null, 0, null)),
                null));
        ManifestIo.write(dir, withDisks);
        JsonNode json = new ObjectMapper().readTree(dir.resolve(TemplateManifest.FILE_NAME).toFile());
        assertThat(json.path("description").path("guestAgent").asBoolean()).isTrue();
        assertThat(json.path("description").path("disks")).hasSize(2);
        assertThat(json.path("disks").get(1).path("sha256").isNull()).as("a flat save's: written, as null").isTrue();
        TemplateManifest read = new ObjectMapper().readValue(dir.resolve(TemplateManifest.FILE_NAME).toFile(),
                TemplateManifest.class);
        assertThat(read).isEqualTo(withDisks);
        assertThat(read.description().disks().get(0).base()).isEqualTo(Path.of("/cache/data, \"1\".ext4"));
        assertThat(read.disks().get(0).hasChecksums()).isTrue();
        assertThat(read.disks().get(1).hasChecksums()).isFalse();
        assertThat(ManifestIo.fingerprint(read)).isEqualTo(withDisks.fingerprint());

        JsonNode plain = new ObjectMapper().valueToTree(ManifestIo.sign(m));
        assertThat(plain.has("disks")).isFalse();
        assertThat(plain.path("description").has("disks")).isFalse();
        assertThat(plain.path("description").has("guestAgent")).isFalse();
    }
}
