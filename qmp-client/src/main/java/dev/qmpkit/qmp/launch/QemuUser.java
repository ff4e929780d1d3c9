package dev.qmpkit.qmp.launch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The numeric user and group a confined QEMU drops to before it starts the VM
 * ({@code -run-with user=UID:GID}, or {@code -runas UID:GID} before QEMU 9.1). Numeric, so a
 * uid without a passwd entry (one of a range reserved for clones) works as well as a named
 * account; QEMU then keeps no supplementary group but {@code gid}.
 *
 * @param uid the user id; 1 or more (QEMU never drops to root)
 * @param gid the group id; 1 or more
 */
public record QemuUser(int uid, int gid) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,31}\\$?");

    /**
     * Validates.
     *
     * @param uid the user id; 1 or more
     * @param gid the group id; 1 or more
     */
    public QemuUser {
        if (uid <= 0) {
            throw new IllegalArgumentException("uid must be 1 or more (QEMU must not run as root), got " + uid);
        }
        if (gid <= 0) {
            throw new IllegalArgumentException("gid must be 1 or more (QEMU must not keep group root), got " + gid);
        }
    }

    /**
     * @param uid the user id; 1 or more
     * @param gid the group id; 1 or more
     * @return the user
     */
    public static QemuUser of(int uid, int gid) {
        return new QemuUser(uid, gid);
    }

    /**
     * Looks an account up in the system's user database ({@code getent passwd NAME}, so NSS
     * sources such as LDAP count) and takes its uid and primary gid.
     *
     * @param name an account name such as {@code nobody} or {@code libvirt-qemu}; never null
     * @return its ids
     * @throws IllegalArgumentException when the name is malformed or no such account exists, or
     *         it is root
     */
    public static QemuUser byName(String name) {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + name + "' is not a valid account name");
        }
        String entry = getent(name);
        String[] f = entry.split(":", -1);
        if (f.length < 4) {
            throw new IllegalArgumentException("getent passwd " + name + " printed an unexpected line: " + entry);
        }
        try {
            return new QemuUser(Integer.parseInt(f[2]), Integer.parseInt(f[3]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("getent passwd " + name + " printed an unexpected line: " + entry, e);
        }
    }

    /** @return {@code UID:GID}, as QEMU's {@code user=} and {@code -runas} take it; never null */
    @Override
    public String toString() {
        return uid + ":" + gid;
    }

    private static String getent(String name) {
        Process p;
        try {
            p = new ProcessBuilder("getent", "passwd", name).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot look up user '" + name + "' (getent: " + e.getMessage()
                    + "); give the ids with QemuUser.of(uid, gid)", e);
        }
        try (InputStream in = p.getInputStream()) {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalArgumentException("getent passwd " + name + " did not answer within 10 s; "
                        + "give the ids with QemuUser.of(uid, gid)");
            }
            String out = new String(in.readNBytes(4096), StandardCharsets.UTF_8).strip();
            if (p.exitValue() != 0 || out.isEmpty()) {
                throw new IllegalArgumentException("no user '" + name + "' in the user database (getent passwd "
                        + "exit " + p.exitValue() + "); create it (useradd --system " + name
                        + ") or give the ids with QemuUser.of(uid, gid)");
            }
            return out.lines().findFirst().orElse("");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read getent's answer for '" + name + "': " + e.getMessage(), e);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalArgumentException("interrupted while looking up user '" + name + "'", e);
        }
    }
}
