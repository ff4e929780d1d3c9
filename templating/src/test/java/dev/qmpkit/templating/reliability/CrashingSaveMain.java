package dev.qmpkit.templating.reliability;

import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.templating.ProgressListener;
import dev.qmpkit.templating.Step;
import dev.qmpkit.templating.TemplateVm;
import dev.qmpkit.templating.guest.BuiltinGuest;
import dev.qmpkit.templating.guest.SerialLog;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Child JVM for {@link SaveCrashIT}: starts a template VM, prints {@code QEMU <pid>}, saves it,
 * and when the given step starts prints {@code AT <step>} and waits to be SIGKILLed.
 * Args: step, work dir, executable, firmware dirs...
 */
public final class CrashingSaveMain {
    private CrashingSaveMain() {
    }

    public static void main(String[] args) throws Exception {
        Step crashAt = Step.valueOf(args[0]);
        Path work = Path.of(args[1]);
        List<Path> fw = new ArrayList<>();
        for (int i = 3; i < args.length; i++) {
            fw.add(Path.of(args[i]));
        }
        QemuBinary qemu = new QemuBinary(Path.of(args[2]), fw);
        Path kernel = BuiltinGuest.writeKernel(work);
        TemplateVm vm = TemplateVm.start(qemu, SavedTemplates.description(kernel), work.resolve("template"));
        System.out.println("QEMU " + vm.process().pid());
        SerialLog.awaitReady(vm.serialLog(), SavedTemplates.BOOT);
        vm.save(new ProgressListener() {
            @Override
            public void stepStarted(Step step, String vmName) {
                if (step == crashAt) {
                    System.out.println("AT " + step);
                    System.out.flush();
                    try {
                        Thread.sleep(120_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        });
        System.out.println("SAVED");
    }
}
