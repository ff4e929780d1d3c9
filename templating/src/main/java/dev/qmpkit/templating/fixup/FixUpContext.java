package dev.qmpkit.templating.fixup;

import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.agent.GuestAgentClient;
import dev.qmpkit.qmp.launch.CleanupStack;
import dev.qmpkit.templating.MacAllocator;
import dev.qmpkit.templating.Template;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;

/**
 * What a {@link FixUp} works with: the clone that was just restored and resumed, its monitor,
 * its guest agent (which has answered), and the owner's resources. Valid only while the fix-up
 * runs; not thread-safe beyond what its parts are.
 */
public interface FixUpContext {

    /** @return the clone's name, e.g. {@code clone-3}; never null */
    String cloneName();

    /** @return the template it was cloned from; never null */
    Template template();

    /** @return the clone's monitor client; never null */
    QmpClient qmp();

    /** @return whether the clone has a guest agent channel that answered */
    boolean hasAgent();

    /**
     * @return the clone's guest agent client, which has answered; never null
     * @throws IllegalStateException when the VM has no agent channel ({@link #hasAgent()})
     */
    GuestAgentClient agent();

    /** @return the clone's fresh vmgenid GUID, or null when its description has no vmgenid */
    UUID vmgenid();

    /** @return the clone's QEMU {@code -uuid} (the guest keeps the template's SMBIOS UUID), or null */
    UUID uuid();

    /** @return the owner's MAC allocator, for NICs added to the clone; never null */
    MacAllocator macAllocator();

    /**
     * @return the bus id a hot-plugged PCI device of the clone goes on (the description's PCIe
     *         root port on q35), or empty when it goes on the root bus (pc); never null
     */
    Optional<String> hotplugBus();

    /** @return the clone's private work directory; never null */
    Path workDir();

    /**
     * Registers a release that runs when the clone closes (or right away, when this start fails
     * later), after its QEMU stopped, newest first.
     *
     * @param what what is released, for the log; never null
     * @param release the release; never null
     */
    void onClose(String what, CleanupStack.Action release);
}
