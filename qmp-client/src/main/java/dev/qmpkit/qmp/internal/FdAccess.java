package dev.qmpkit.qmp.internal;

import java.io.FileDescriptor;
import java.lang.reflect.Field;

/**
 * Reads the integer behind a {@link java.io.FileDescriptor} without {@code --add-opens}:
 * {@code sun.misc.Unsafe} (module {@code jdk.unsupported}, exported to everyone) can read the
 * private {@code fd} field by offset. This reads the caller's own open descriptor; it never
 * opens or truncates a file (unlike Netty's {@code FileDescriptor.from(path)}).
 */
final class FdAccess {
    private static final sun.misc.Unsafe UNSAFE;
    private static final long FD_OFFSET;
    private static final Throwable UNAVAILABLE;

    static {
        sun.misc.Unsafe unsafe = null;
        long offset = -1;
        Throwable failure = null;
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            unsafe = (sun.misc.Unsafe) f.get(null);
            @SuppressWarnings("deprecation")
            long o = unsafe.objectFieldOffset(FileDescriptor.class.getDeclaredField("fd"));
            offset = o;
        } catch (ReflectiveOperationException | RuntimeException e) {
            failure = e;
        }
        UNSAFE = unsafe;
        FD_OFFSET = offset;
        UNAVAILABLE = failure;
    }

    private FdAccess() {
    }

    /**
     * @param fd an open descriptor; never null
     * @return its number
     * @throws IllegalArgumentException when it is not open
     * @throws UnsupportedOperationException when this JVM hides the number
     */
    static int intValue(FileDescriptor fd) {
        if (UNAVAILABLE != null) {
            throw new UnsupportedOperationException("cannot read the descriptor number on this JVM", UNAVAILABLE);
        }
        if (!fd.valid()) {
            throw new IllegalArgumentException("the file descriptor is not open");
        }
        int n = UNSAFE.getInt(fd, FD_OFFSET);
        if (n < 0) {
            throw new IllegalArgumentException("the file descriptor is not open");
        }
        return n;
    }
}
