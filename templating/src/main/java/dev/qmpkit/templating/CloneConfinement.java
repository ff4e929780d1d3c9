package dev.qmpkit.templating;

import dev.qmpkit.qmp.launch.QemuUser;

/**
 * How one clone's QEMU is confined, and what a guest that escapes into it could still reach:
 * for the clone report and the operator.
 *
 * @param user the user the clone's QEMU dropped to, or null when it runs as the JVM's user
 * @param ownUid whether that uid is the clone's alone ({@link Templating.Builder#cloneUids}),
 *               so siblings cannot signal, ptrace or read it; false when clones share a uid
 * @param seccomp whether QEMU runs under its seccomp sandbox
 * @param templateRamWritable whether the clone holds a writable descriptor of the template's
 *                            RAM files (the recipe before QEMU 8.2, which has no {@code rom}
 *                            property): its guest's writes stay private, but a QEMU taken over
 *                            could write the template file through that descriptor and corrupt
 *                            every clone's base, whatever the file's owner and mode
 */
public record CloneConfinement(QemuUser user, boolean ownUid, boolean seccomp, boolean templateRamWritable) {

    /** @return one line for a report, ending with what it costs where something is open; never null */
    public String summary() {
        StringBuilder b = new StringBuilder();
        b.append(user == null ? "runs as the JVM's user" : "uid " + user.uid() + " gid " + user.gid()
                + (ownUid ? " (its own)" : " (shared with the other clones)"));
        b.append(", seccomp ").append(seccomp ? "on" : "off");
        b.append(templateRamWritable
                ? "; template RAM: WRITABLE descriptor (QEMU before 8.2: a taken-over clone could corrupt the template)"
                : "; template RAM: read-only");
        return b.toString();
    }
}
