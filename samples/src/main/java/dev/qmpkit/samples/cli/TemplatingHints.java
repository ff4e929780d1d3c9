package dev.qmpkit.samples.cli;

import dev.qmpkit.templating.inspect.ErrorHint;
import dev.qmpkit.templating.inspect.QemuErrorHints;

/** The fix for a QEMU error message the templating recipe runs into, from the templating module's hints. */
final class TemplatingHints {
    private TemplatingHints() {
    }

    static String hint(String qemuMessage) {
        return QemuErrorHints.find(qemuMessage).map(ErrorHint::render).orElse(null);
    }

    static String hint(Throwable failure) {
        return QemuErrorHints.find(failure).map(ErrorHint::render).orElse(null);
    }
}
