package dev.qmpkit.templating.internal;

import dev.qmpkit.qmp.QmpException;

/**
 * QEMU reported a migration as failed or cancelled, with its error description. Never escapes
 * the workflows as such: a save wraps it in a {@link dev.qmpkit.templating.TemplateSaveException},
 * a clone in a {@link dev.qmpkit.templating.CloneRestoreException}, where it is the cause.
 */
final class MigrationFailedException extends QmpException {
    private static final long serialVersionUID = 1L;

    MigrationFailedException(String message) {
        super(message);
    }
}
