package dev.qmpkit.samples;

import dev.qmpkit.qmp.agent.BlockingGuestAgent;
import dev.qmpkit.qmp.agent.ExecRequest;
import dev.qmpkit.qmp.agent.ExecResult;
import dev.qmpkit.qmp.agent.GuestAgentClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/** The README's guest agent example, verbatim (but for this comment and the package line); run by {@link ReadmeAgentExampleIT}. */
public class GuestAgentExample {
    public static void main(String[] args) {
        Path socket = Path.of(args[0]);   // QEMU's -chardev socket,path=SOCK,server=on,wait=off, or qemu-ga -m unix-listen -p SOCK
        String dir = args[1];             // a folder in the guest
        try (GuestAgentClient client = GuestAgentClient.open(socket)) {
            BlockingGuestAgent agent = client.blocking();
            agent.awaitAgent(Duration.ofSeconds(30));              // a booting guest starts its agent late
            System.out.println(agent.osInfo().prettyName() + ", qemu-ga " + agent.info().version());
            ExecResult wc = agent.exec(ExecRequest.builder("wc").args("-c").input("hello, guest\n")
                    .timeout(Duration.ofSeconds(10)).build());
            System.out.println("exit " + wc.exitCode() + ": " + wc.stdoutText().strip());
            agent.writeFile(dir + "/note.txt", "written by qmpkit\n".getBytes(StandardCharsets.UTF_8));
            System.out.print(new String(agent.readFile(dir + "/note.txt"), StandardCharsets.UTF_8));
            client.getTime().thenAccept(t -> System.out.println("guest clock " + t)).join();   // the async form
        }
    }
}
