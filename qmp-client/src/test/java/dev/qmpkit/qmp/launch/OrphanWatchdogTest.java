package dev.qmpkit.qmp.launch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The JVM's one orphan watchdog shell, on stand-in processes ({@code sleep}): what it kills when
 * the JVM's end of its pipe closes, as it does when the JVM dies. The QEMU end to end is
 * {@code QemuLauncherIT#noOrphanWhenTheJvmIsKilledOrExits}.
 */
class OrphanWatchdogTest {

    @Test
    void whenThePipeCloses_itKillsEveryProcessStillWatched_andNoneThatExitedBefore() throws Exception {
        OrphanWatchdog w = OrphanWatchdog.start(ProcessBuilder.Redirect.PIPE);
        assertThat(w).isNotNull();
        List<Process> p = List.of(sleep(), sleep(), sleep());
        try {
            p.forEach(w::watch);
            assertThat(p).allSatisfy(x -> assertThat(w.watches(x.pid())).isTrue());
            // The middle one exits: its PID may be reused from now on, so it must come off the list.
            p.get(1).destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (w.watches(p.get(1).pid()) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(w.watches(p.get(1).pid())).isFalse();

            w.process().getOutputStream().close(); // what the kernel does when the JVM dies
            assertThat(w.process().waitFor(5, TimeUnit.SECONDS)).as("the shell ends").isTrue();
            String said = new String(w.process().getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
            assertThat(said).isEqualTo("killing " + p.get(0).pid() + " " + p.get(2).pid());
            for (Process x : List.of(p.get(0), p.get(2))) {
                assertThat(x.waitFor(5, TimeUnit.SECONDS)).as("pid %d killed", x.pid()).isTrue();
                assertThat(x.exitValue()).isEqualTo(137);
            }
        } finally {
            p.forEach(Process::destroyForcibly);
            w.process().destroyForcibly();
        }
    }

    @Test
    void aPipeClosedWithNothingWatched_killsNothing() throws Exception {
        OrphanWatchdog w = OrphanWatchdog.start(ProcessBuilder.Redirect.PIPE);
        Process p = sleep();
        try {
            w.watch(p);
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (w.watches(p.pid()) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            w.process().getOutputStream().close();
            assertThat(w.process().waitFor(5, TimeUnit.SECONDS)).isTrue();
            assertThat(w.process().exitValue()).isZero();
            assertThat(new String(w.process().getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEmpty();
        } finally {
            p.destroyForcibly();
            w.process().destroyForcibly();
        }
    }

    private static Process sleep() throws Exception {
        return new ProcessBuilder("sleep", "60").start();
    }
}
