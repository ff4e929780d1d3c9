package dev.qmpkit.samples;

import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpEndpoint;
import dev.qmpkit.qmp.QmpOptions;
import dev.qmpkit.qmp.launch.QemuBinary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A QEMU started the way a user starts one, outside the SDK: with its own
 * {@code -qmp unix:PATH,server=on,wait=off} sockets, so the subcommands are tested against a VM
 * they did not launch. Two monitors: {@link #socket()} for the command under test,
 * {@link #control()} for the test to cause events. Closing kills it by PID and waits.
 */
final class ExternalQemu implements AutoCloseable {
    private final Process process;
    private final Path socket;
    private final Path controlSocket;
    private QmpClient control;

    private ExternalQemu(Process process, Path socket, Path controlSocket) {
        this.process = process;
        this.socket = socket;
        this.controlSocket = controlSocket;
    }

    static ExternalQemu start(QemuBinary qemu, Path dir, String... vmArgs) throws IOException, InterruptedException {
        Path socket = dir.resolve("qmp.sock");
        Path control = dir.resolve("control.sock");
        List<String> cmd = new ArrayList<>();
        cmd.add(qemu.executable().toString());
        cmd.addAll(qemu.firmwareArgs());
        cmd.addAll(List.of("-accel", "tcg", "-display", "none", "-nodefaults",
                "-qmp", "unix:" + socket + ",server=on,wait=off",
                "-qmp", "unix:" + control + ",server=on,wait=off"));
        cmd.addAll(List.of(vmArgs));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("qemu.log").toFile()).start();
        ExternalQemu q = new ExternalQemu(p, socket, control);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!(Files.exists(socket) && Files.exists(control))) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                q.close();
                throw new IllegalStateException("QEMU did not create its sockets: " + cmd + "\n"
                        + Files.readString(dir.resolve("qemu.log")));
            }
            Thread.sleep(10);
        }
        return q;
    }

    Path socket() {
        return socket;
    }

    /** @return QEMU's process id, e.g. to stop it with SIGSTOP */
    long pid() {
        return process.pid();
    }

    /** @return a client on the second monitor, for the test's own commands */
    QmpClient control() {
        if (control == null) {
            control = QmpClient.connectBlocking(QmpEndpoint.unix(controlSocket), QmpOptions.defaults());
        }
        return control;
    }

    @Override
    public void close() {
        if (control != null) {
            control.close();
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
