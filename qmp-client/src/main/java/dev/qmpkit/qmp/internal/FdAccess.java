package dev.qmpkit.qmp.internal;

import java.io.FileDescriptor;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Field;

/**
 * Reads the integer behind a {@link java.io.FileDescriptor}. The JDK has no public API for it,
 * so this reads the private {@code fd} field, which needs {@code java.base/java.io} opened to
 * qmpkit ({@code --add-opens java.base/java.io=ALL-UNNAMED}, or {@code Add-Opens: java.base/java.io}
 * in an executable jar's manifest). That is quiet on every JDK from 17 on, unlike
 * {@code sun.misc.Unsafe}, whose field access warns on JDK 24+ and is being removed. Without
 * the option the caller gets an {@link UnsupportedOperationException} naming it, the same
 * exception as for a transport that cannot pass descriptors, so callers with another route
 * (templating's {@code exec:} fallback) take it.
 * <p>
 * This only reads the caller's own open descriptor; it never opens or truncates a file
 * (unlike Netty's {@code FileDescriptor.from(path)}).
 */
final class FdAccess {
    private static final MethodHandle FD_FIELD = fdField();

    private FdAccess() {
    }

    private static MethodHandle fdField() {
        try {
            Field f = FileDescriptor.class.getDeclaredField("fd");
            // trySetAccessible: false (no warning, no exception) when java.io is not opened to us.
            return f.trySetAccessible() ? MethodHandles.lookup().unreflectGetter(f) : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /**
     * @param fd an open descriptor; never null
     * @return its number
     * @throws IllegalArgumentException when it is not open
     * @throws UnsupportedOperationException when java.io is not opened to qmpkit, with the option that opens it
     */
    static int intValue(FileDescriptor fd) {
        if (FD_FIELD == null) {
            throw new UnsupportedOperationException(notOpenMessage());
        }
        if (!fd.valid()) {
            throw new IllegalArgumentException("the file descriptor is not open");
        }
        int n;
        try {
            n = (int) FD_FIELD.invokeExact(fd);
        } catch (Throwable t) {
            throw new IllegalStateException("cannot read the number of " + fd, t);
        }
        if (n < 0) {
            throw new IllegalArgumentException("the file descriptor is not open");
        }
        return n;
    }

    static String notOpenMessage() {
        Module self = FdAccess.class.getModule();
        String target = self.isNamed() ? self.getName() : "ALL-UNNAMED";
        return "passing a java.io.FileDescriptor needs its number, which the JDK only shows to code that "
                + "java.base opens java.io to. Fix: start the JVM with --add-opens java.base/java.io=" + target
                + " (or put 'Add-Opens: java.base/java.io' in your executable jar's manifest)";
    }
}
