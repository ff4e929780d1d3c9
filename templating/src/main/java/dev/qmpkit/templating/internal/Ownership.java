package dev.qmpkit.templating.internal;

import dev.qmpkit.qmp.launch.QemuUser;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * The one place that gives a QEMU which drops privileges exactly the files it needs, by owner
 * and mode. QEMU opens its RAM files, disks and chardevs before it changes its uid, so most
 * files stay the JVM's; what a VM may still write by name afterwards is its own directory,
 * which {@link #handOver} gives to its user (a clone's work directory with everything created
 * in it: serial log, and later disk overlays and agent sockets), so no sibling with another
 * uid can read it. The template's state file is reached by name only when no descriptor can be
 * passed; {@link #grantStateRead} and {@link #grantStateWrite} open the way for that and no more.
 */
public final class Ownership {

    private static final Set<PosixFilePermission> GROUP_SEARCH = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_EXECUTE);
    private static final Set<PosixFilePermission> READ_0440 = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.GROUP_READ);

    private Ownership() {
    }

    /**
     * Gives a VM's own directory and everything in it to the user its QEMU runs as: owner
     * {@code uid:gid}, directories 0700, files keep their owner bits and lose any group and other
     * bits. Symbolic links are changed themselves, never followed.
     *
     * @param dir the VM's directory
     * @param user its QEMU's user, or null when QEMU keeps the JVM's user (then nothing changes)
     */
    public static void handOver(Path dir, QemuUser user) throws IOException {
        if (user == null) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                chown(d, user.uid(), user.gid());
                Files.setPosixFilePermissions(d, Durable.DIR_0700);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                chown(f, user.uid(), user.gid());
                if (!attrs.isSymbolicLink()) {
                    Set<PosixFilePermission> p = Files.getPosixFilePermissions(f, LinkOption.NOFOLLOW_LINKS);
                    p.retainAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                            PosixFilePermission.OWNER_EXECUTE));
                    Files.setPosixFilePermissions(f, p);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /**
     * Lets QEMU running as {@code user} open a template's state file by name for reading (a
     * {@code file:} URI when no descriptor can be passed): the file becomes {@code r--r-----}
     * with group {@code user.gid()}, its directory {@code rwx--x---} with that group (search,
     * no listing). The RAM files, manifest and serial log stay the owner's alone.
     *
     * @throws IOException when the file or directory cannot be changed (e.g. read-only media),
     *         or a directory above is closed to that user
     */
    public static void grantStateRead(Path file, QemuUser user) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (!hasGroupAccess(file, user.gid(), PosixFilePermission.GROUP_READ)) {
            chgrp(file, user.gid());
            Files.setPosixFilePermissions(file, READ_0440);
        }
        openDirectory(dir, user);
    }

    /**
     * Lets QEMU running as {@code user} write a new state file by name (a {@code file:} URI when
     * no descriptor can be passed): the empty file becomes its, and its directory searchable by
     * its group. {@link #reclaim} takes the file back once QEMU is done.
     *
     * @throws IOException as for {@link #grantStateRead}
     */
    public static void grantStateWrite(Path file, QemuUser user) throws IOException {
        chown(file, user.uid(), user.gid());
        openDirectory(file.toAbsolutePath().getParent(), user);
    }

    /** Makes a file the JVM user's again (after QEMU wrote it by name). */
    public static void reclaim(Path file) throws IOException {
        Jvm jvm = Jvm.get();
        chown(file, jvm.uid(), jvm.gid());
    }

    /**
     * @param path an absolute path
     * @param user who must reach it
     * @return the first directory above {@code path} that {@code user} cannot search, or null
     */
    public static Path closedAncestor(Path path, QemuUser user) throws IOException {
        for (Path d = path.toAbsolutePath().getParent(); d != null; d = d.getParent()) {
            int mode = (Integer) Files.getAttribute(d, "unix:mode");
            int uid = (Integer) Files.getAttribute(d, "unix:uid");
            int gid = (Integer) Files.getAttribute(d, "unix:gid");
            boolean search = uid == user.uid() ? (mode & 0100) != 0
                    : gid == user.gid() ? (mode & 0010) != 0 : (mode & 0001) != 0;
            if (!search) {
                return d;
            }
        }
        return null;
    }

    private static void openDirectory(Path dir, QemuUser user) throws IOException {
        if (!hasGroupAccess(dir, user.gid(), PosixFilePermission.GROUP_EXECUTE)
                && !Files.getPosixFilePermissions(dir).contains(PosixFilePermission.OTHERS_EXECUTE)) {
            chgrp(dir, user.gid());
            Files.setPosixFilePermissions(dir, GROUP_SEARCH);
        }
        Path closed = closedAncestor(dir.resolve("x"), user);
        if (closed != null) {
            throw new IOException("directory " + closed + " is closed to uid " + user.uid() + " gid " + user.gid()
                    + ", so QEMU running as that user cannot reach " + dir);
        }
    }

    private static boolean hasGroupAccess(Path p, int gid, PosixFilePermission perm) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:gid") == gid && Files.getPosixFilePermissions(p).contains(perm);
    }

    private static void chown(Path p, int uid, int gid) throws IOException {
        Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        chgrp(p, gid);
    }

    private static void chgrp(Path p, int gid) throws IOException {
        Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    }

    /** This JVM's effective ids. */
    private record Jvm(int uid, int gid) {
        static Jvm get() throws IOException {
            Path self = Path.of("/proc/self");
            return new Jvm((Integer) Files.getAttribute(self, "unix:uid"), (Integer) Files.getAttribute(self, "unix:gid"));
        }
    }
}
