package dev.qmpkit.templating.inspect;

/**
 * Stable identifiers of readiness findings: scripts and tests match on these, never on the
 * text. The {@link #name()} is the code printed in reports.
 */
public enum FindingCode {
    /** Guest boot RAM not provided by any memory backend (always migrated in full). */
    RAM_WITHOUT_BACKEND,
    /**
     * RAM from {@code -mem-path} (forbidden by the guide for templates and clones: it takes no
     * {@code share=}, {@code readonly=} or {@code rom=}), or any file backend on a directory (an
     * unnamed temporary file no other VM can open).
     */
    RAM_MEM_PATH,
    /** A guest RAM backend that is not a {@code memory-backend-file} (ram, memfd): migrated in full, never shared with clones. */
    RAM_NOT_FILE,
    /** A template's file backend with {@code share=off}: the guest's writes never reach the file. */
    RAM_NOT_SHARED,
    /** A template's file backend opened read-only: the template cannot write its RAM to the file. */
    RAM_READONLY,
    /** A clone's file backend with {@code share=on}: the clone writes into the template's file. */
    CLONE_RAM_SHARED,
    /** A clone's file backend opened writable ({@code readonly=off}) on QEMU 8.2+: a discard could punch holes in the template file. */
    CLONE_RAM_WRITABLE_FILE,
    /** A clone's backend with {@code readonly=on} but {@code rom} not {@code off}, or {@code readonly=on} on QEMU without {@code rom}: guest RAM read-only, the guest dies. */
    CLONE_RAM_READONLY_GUEST,
    /** A guest RAM file backend with {@code discard-data=on}: QEMU punches the file's data out when it exits. */
    DISCARD_DATA,
    /** A memory backend no device or node uses. */
    BACKEND_UNUSED,
    /** A vhost-user device or netdev: relies on really shared memory. */
    VHOST_USER,
    /** Multi-process QEMU objects ({@code x-remote-object}, {@code x-pci-proxy-dev}, the {@code x-remote} machine). */
    MULTI_PROCESS,
    /** virtio-balloon with {@code free-page-reporting=on}: discards RAM. */
    BALLOON_FREE_PAGE_REPORTING,
    /**
     * virtio-balloon inflated (actual below guest RAM): inflation discards RAM. An error for a
     * template (every clone would start inflated) and for a clone.
     */
    BALLOON_INFLATED,
    /**
     * A virtio-balloon (any device type derived from it) where a template RAM file is, or in
     * clones will be, mapped writable (QEMU without {@code rom}): one inflation punches a hole
     * into the template file.
     */
    BALLOON_WITH_WRITABLE_FILE,
    /**
     * A virtio-mem device: an error when it manages template RAM (a file backend), or supplies
     * memory to a template; the guide's two recipes (a template device with
     * {@code requested-size=0} on a backend that is not a template file, devices hot-plugged
     * into clones) are reported as information.
     */
    VIRTIO_MEM,
    /** Migration capability {@code release-ram} on: discards RAM on the source; the guide lists it as incompatible. */
    RELEASE_RAM,
    /** Migration capability {@code postcopy-ram} on: incompatible with {@code x-ignore-shared}. */
    POSTCOPY_RAM,
    /** {@code mapped-ram} together with {@code x-ignore-shared}. */
    MAPPED_RAM_WITH_IGNORE_SHARED,
    /** This QEMU has no {@code x-ignore-shared} capability. */
    IGNORE_SHARED_UNSUPPORTED,
    /**
     * A NIC in a template: its MAC travels in migrated state, so every clone gets the same MAC.
     * An error unless the caller accepts shared MACs ({@link ReadinessReport#acceptingSharedMacs()}).
     */
    NIC_MAC_SHARED,
    /** A non-nil SMBIOS UUID in a template: every clone reports it. */
    UUID_SHARED,
    /** No vmgenid device: clones cannot be told they are clones. */
    VMGENID_MISSING
}
