package dev.qmpkit.qmp.launch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Child JVM for {@link QemuLauncherIT}: starts QEMU, prints its pid, then either waits to be
 * SIGKILLed ({@code kill}) or, when a line arrives on stdin, exits without closing it ({@code exit}), so the test can check
 * that no QEMU outlives the JVM. Args: mode, work dir, executable, firmware dirs...
 */
public final class OrphanProbeMain {
    private OrphanProbeMain() {
    }

    public static void main(String[] args) throws Exception {
        List<Path> fw = new ArrayList<>();
        for (int i = 3; i < args.length; i++) {
            fw.add(Path.of(args[i]));
        }
        QemuProcess p = QemuLauncher.builder(new QemuBinary(Path.of(args[2]), fw))
                .args("-M", "none", "-accel", "tcg").workDir(Path.of(args[1])).build().start();
        System.out.println("pid " + p.pid());
        System.out.flush();
        if (args[0].equals("exit")) {
            System.in.read(); // the test checks QEMU is up, then lets this JVM exit without closing it
            System.exit(0);
        }
        Thread.sleep(60_000);
    }
}
