package dev.qmpkit.templating;

import dev.qmpkit.templating.inspect.Finding;
import dev.qmpkit.templating.fixup.FixUpResult;
import java.time.Duration;

/**
 * Receives progress of a save or a clone, e.g. to print progress lines. Every method has an
 * empty default, so implement only what you need. Called on the thread doing the work (or a
 * QMP event thread for {@link #migrationProgress}); keep implementations quick and do not
 * throw (exceptions are logged and ignored).
 */
public interface ProgressListener {

    /** A listener that ignores everything. */
    ProgressListener NONE = new ProgressListener() {
    };

    /**
     * @param step the step that starts; never null
     * @param vmName the template or clone it concerns; never null
     */
    default void stepStarted(Step step, String vmName) {
    }

    /**
     * @param step the step that finished successfully; never null
     * @param vmName the template or clone it concerns; never null
     * @param took how long it took; never null
     */
    default void stepFinished(Step step, String vmName, Duration took) {
    }

    /**
     * @param step the step that failed; never null
     * @param vmName the template or clone it concerns; never null
     * @param failure why; never null
     */
    default void stepFailed(Step step, String vmName, Throwable failure) {
    }

    /**
     * A check passed with a warning: something that works but that the caller should decide
     * about (a NIC whose MAC clones share, a shared SMBIOS UUID, no vmgenid, a balloon that
     * clones on this QEMU cannot have). Called for each {@link dev.qmpkit.templating.inspect.Severity#WARNING}
     * finding of a save's readiness check ({@link Step#READINESS_CHECK}; the save goes on, and
     * records them in {@link TemplateManifest#warnings()}) and of a clone's guard
     * ({@link Step#CLONE_CHECK}). A save also logs each one at WARN.
     *
     * @param step the step whose check found it; never null
     * @param vmName the template or clone it concerns; never null
     * @param warning the finding, with its fix; never null
     */
    default void warning(Step step, String vmName, Finding warning) {
    }

    /**
     * A fix-up ran on a clone (within {@link Step#FIX_UPS}).
     *
     * @param vmName the clone; never null
     * @param result how it went, with its time; never null
     */
    default void fixUpFinished(String vmName, FixUpResult result) {
    }

    /**
     * A migration (save or restore) changed state or made progress.
     *
     * @param vmName the template or clone; never null
     * @param status QEMU's migration status, e.g. {@code setup}, {@code active}, {@code completed}; never null
     * @param transferredBytes bytes transferred so far, or -1 when QEMU did not say
     */
    default void migrationProgress(String vmName, String status, long transferredBytes) {
    }
}
