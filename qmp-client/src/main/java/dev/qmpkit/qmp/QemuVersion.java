package dev.qmpkit.qmp;

/**
 * A QEMU version as the QMP greeting reports it.
 *
 * @param major e.g. 10
 * @param minor e.g. 0
 * @param micro e.g. 2
 */
public record QemuVersion(int major, int minor, int micro) implements Comparable<QemuVersion> {

    /**
     * @param major the least major version
     * @param minor the least minor version within {@code major}
     * @return whether this version is {@code major.minor} or newer
     */
    public boolean atLeast(int major, int minor) {
        return this.major > major || (this.major == major && this.minor >= minor);
    }

    @Override
    public int compareTo(QemuVersion o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) {
            c = Integer.compare(minor, o.minor);
        }
        return c != 0 ? c : Integer.compare(micro, o.micro);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + micro;
    }
}
