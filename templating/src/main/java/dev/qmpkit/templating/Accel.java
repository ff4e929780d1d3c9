package dev.qmpkit.templating;

import java.nio.file.Files;
import java.nio.file.Path;

/** The accelerator a VM runs on ({@code -accel}). Template and clones always use the same one. */
public enum Accel {
    /** Software emulation ({@code -accel tcg}): works everywhere, slower. */
    TCG,
    /** Hardware virtualisation ({@code -accel kvm}); needs a usable {@code /dev/kvm}. */
    KVM,
    /** {@link #KVM} when {@code /dev/kvm} is readable and writable, otherwise {@link #TCG}. */
    AUTO;

    /** @return the accelerator to pass to QEMU, resolving {@link #AUTO} on this host; never {@link #AUTO} */
    public Accel resolve() {
        if (this != AUTO) {
            return this;
        }
        Path kvm = Path.of("/dev/kvm");
        return Files.isReadable(kvm) && Files.isWritable(kvm) ? KVM : TCG;
    }

    /** @return QEMU's name for it, e.g. {@code tcg}; {@link #AUTO} is resolved first */
    public String qemuName() {
        return resolve().name().toLowerCase(java.util.Locale.ROOT);
    }
}
