package dev.qmpkit.templating.inspect;

/**
 * Where a memory backend came from. It decides which fix applies: a backend QEMU made for
 * {@code -m} or {@code -mem-path} is changed by adding or replacing options, one from
 * {@code -object} by editing that option.
 */
public enum BackendOrigin {
    /** An {@code -object} or {@code object-add} of the user. */
    OBJECT,
    /** Made by QEMU for plain {@code -m}: a {@code memory-backend-ram} with the machine's default RAM id ({@code pc.ram}). */
    MACHINE_DEFAULT,
    /** Made by QEMU for {@code -m} with {@code -mem-path}: a private {@code memory-backend-file} that takes no {@code share=}, {@code readonly=} or {@code rom=}. */
    MEM_PATH,
    /**
     * Has the machine's default RAM id, but QEMU's command line could not be read (QEMU on
     * another host or in another PID namespace), so QEMU's own backend cannot be told from an
     * {@code -object} with that id: QMP shows both alike.
     */
    UNKNOWN
}
