package dev.qmpkit.templating.fixup.internal;

import java.util.Base64;

/**
 * The assembled bytes of {@code templating/src/main/guest/reseed.S}: a 400-byte static x86-64
 * Linux program that makes the kernel reseed its CRNG ({@code ioctl(RNDRESEEDCRNG)} on
 * {@code /dev/urandom}) and exits with 0, or with the errno of what failed. Regenerate with
 * {@code sh templating/src/main/guest/build-reseed.sh /tmp/reseed && base64 -w0 /tmp/reseed};
 * {@code ReseedHelperTest} re-assembles the source and fails when the two drift apart.
 */
public final class ReseedHelper {

    private static final String BASE64 = "f0VMRgIBAQAAAAAAAAAAAAIAPgABAAAAeABAAAAAAABAAAAAAAAAANAAAAAAAAAAAAAAAEAAOAABAEAAAwACAAEAAAAHAAAAeAAAAAAAAAB4AEAAAAAAAHgAQAAAAAAARwAAAAAAAABHAAAAAAAAAAEAAAAAAAAAuAIAAABIjT0uAAAAvgEAAAAx0g8FhcB4FonHuBAAAAC+B1IAAA8FhcB4BDH/6wT32InHuDwAAAAPBS9kZXYvdXJhbmRvbQAALnNoc3RydGFiAC50ZXh0AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAALAAAAAQAAAAcAAAAAAAAAeABAAAAAAAB4AAAAAAAAAEcAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAAAAAAAAAQAAAAMAAAAAAAAAAAAAAAAAAAAAAAAAvwAAAAAAAAARAAAAAAAAAAAAAAAAAAAAAQAAAAAAAAAAAAAAAAAAAA==";

    private ReseedHelper() {
    }

    /** @return a copy of the program's bytes; never null */
    public static byte[] bytes() {
        return Base64.getDecoder().decode(BASE64);
    }
}
