package dev.qmpkit.samples.cli;

/**
 * The fix for a QEMU error message that the templating recipe runs into. Delegates to the
 * templating module's hints when they are available.
 */
final class TemplatingHints {
    private TemplatingHints() {
    }

    static String hint(String qemuMessage) {
        return null;
    }
}
