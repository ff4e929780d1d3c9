package dev.qmpkit.templating.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.qmp.launch.QemuUser;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Ownership#handOver}: a VM's directory becomes its QEMU user's, private, and nothing
 * outside it is touched through a symbolic link planted inside. Changing owners needs root, as
 * the project's machines run the tests.
 */
class OwnershipTest {

    private static final QemuUser CLONE = QemuUser.of(64401, 64400);

    @TempDir
    Path tmp;

    @Test
    void aVmsDirectoryBecomesItsUsers_privateModes_andLinksAreNeverFollowed() throws Exception {
        Path outside = Files.writeString(tmp.resolve("host-secret"), "not the clone's");
        Files.setPosixFilePermissions(outside, PosixFilePermissions.fromString("rw-r--r--"));
        Path dir = Files.createDirectory(tmp.resolve("clone"));
        Path sub = Files.createDirectory(dir.resolve("disks"));
        Path log = Files.writeString(dir.resolve("serial.log"), "");
        Files.setPosixFilePermissions(log, PosixFilePermissions.fromString("rw-rw-r--"));
        Path overlay = Files.writeString(sub.resolve("overlay.qcow2"), "");
        Files.setPosixFilePermissions(overlay, PosixFilePermissions.fromString("r--r--r--"));
        Path link = Files.createSymbolicLink(dir.resolve("escape"), outside);

        Ownership.handOver(dir, CLONE);

        for (Path p : new Path[] {dir, sub, log, overlay, link}) {
            assertThat((Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)).as(p.toString())
                    .isEqualTo(CLONE.uid());
            assertThat((Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS)).as(p.toString())
                    .isEqualTo(CLONE.gid());
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sub))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(log))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(overlay))).isEqualTo("r--------");
        // The link's target, outside the directory, is exactly as it was.
        assertThat((Integer) Files.getAttribute(outside, "unix:uid")).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(outside))).isEqualTo("rw-r--r--");

        Ownership.handOver(dir, null);
        assertThat((Integer) Files.getAttribute(dir, "unix:uid")).as("no user: nothing changes").isEqualTo(CLONE.uid());
    }

    @Test
    void aClosedParentIsNamed() throws Exception {
        Path open = Files.createDirectories(tmp.resolve("open/inner"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx------"));
        assertThat(Ownership.closedAncestor(open.resolve("state.bin"), CLONE)).isEqualTo(tmp);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
        assertThat(Ownership.closedAncestor(open.resolve("state.bin"), CLONE)).isNull();
    }
}
