package dev.qmpkit.templating.inspect.internal;

import dev.qmpkit.templating.inspect.ErrorHint;
import java.util.List;

/** The QEMU messages VM templating runs into, with what they mean. Listed in QEMU-FACTS.md. */
public final class KnownErrors {
    private KnownErrors() {
    }

    /** Every hint, most specific first (matching stops at the first). */
    public static final List<ErrorHint> HINTS = List.of(
            new ErrorHint("property 'rom' = 'off' is incompatible with 'readonly' = 'on' and 'share' = 'on'",
                    "A clone's memory backend asked for a read-only file mapped shared and writable, which QEMU refuses.",
                    "Give clones share=off,readonly=on,rom=off: the template file is opened read-only and mapped private."),
            new ErrorHint("Discarding RAM with readonly files is not supported",
                    "Something tried to discard RAM backed by the read-only template file (virtio-balloon inflation or "
                            + "free page reporting, release-ram); it will keep failing.",
                    "Disable free-page-reporting on virtio-balloon, do not inflate the balloon, and do not enable release-ram on clones."),
            new ErrorHint("Discarding RAM in private file mappings is possibly dangerous",
                    "RAM in a private mapping of the template file was discarded: on a writable file this punches a hole "
                            + "in the template, silently corrupting the base of every clone.",
                    "Open the template file read-only in clones (readonly=on,rom=off, QEMU 8.2+); disable balloon "
                            + "inflation, free page reporting and release-ram; re-create the template if it may be damaged."),
            new ErrorHint("Unexpected error discarding RAM",
                    "virtio-mem cannot discard RAM backed by a template file, so the device fails to realize.",
                    "Do not back virtio-mem with the template file: hot-plug virtio-mem devices into each new VM, or give "
                            + "the template's virtio-mem requested-size=0 with a non-template backend (docs/system/vm-templating.rst)."),
            new ErrorHint("Postcopy is not compatible with ignore-shared",
                    "postcopy-ram and x-ignore-shared cannot be on together; templating needs x-ignore-shared.",
                    "Turn postcopy-ram off (migrate-set-capabilities) before saving or restoring a template."),
            new ErrorHint("Postcopy is not supported",
                    "Postcopy cannot discard RAM in file-backed memory that is not on tmpfs or hugetlbfs, as template RAM is.",
                    "Turn postcopy-ram off for templates and clones; use precopy with x-ignore-shared."),
            new ErrorHint("Unknown ramblock",
                    "The clone's memory backend ids differ from the template's, so the saved state names a RAM block the clone lacks.",
                    "Start the clone from the same VM description as the template: identical backend ids and sizes."),
            new ErrorHint("Machine type received is",
                    "The clone runs a different machine type than the template was saved with.",
                    "Use the template's exact machine type (e.g. pc-q35-10.0, not the q35 alias) and the same QEMU build."),
            new ErrorHint("Mismatched GPAs for block",
                    "A RAM block sits at a different guest-physical address in the clone than in the template "
                            + "(different memory size, NUMA or DIMM layout).",
                    "Start the clone with the template's memory layout: the same -m, NUMA nodes and DIMMs, in the same order."),
            new ErrorHint("Capability x-ignore-shared is off",
                    "The template was saved with x-ignore-shared but the clone did not enable it before loading.",
                    "Set x-ignore-shared with migrate-set-capabilities on the clone before migrate-incoming (start it with -incoming defer)."),
            new ErrorHint("Parameter 'uri' expects a valid migration protocol",
                    "This QEMU does not support file: migration URIs (added in 8.2).",
                    "Save and load device state with exec:cat > FILE / exec:cat FILE, or use QEMU 8.2+."));
}
