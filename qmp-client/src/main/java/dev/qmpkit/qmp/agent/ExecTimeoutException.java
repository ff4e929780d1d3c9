package dev.qmpkit.qmp.agent;

import dev.qmpkit.qmp.QmpTimeoutException;
import java.time.Duration;

/**
 * A program started with {@link GuestAgentClient#exec} did not exit within its timeout. The
 * client stopped waiting and killed nothing: the agent offers no kill command, and killing by
 * process id from inside the guest could hit another process once the id is reused. The
 * program may still run; {@link GuestAgentClient#execStatus(long)} with {@link #guestPid()}
 * collects its result later.
 */
public class ExecTimeoutException extends QmpTimeoutException {
    private static final long serialVersionUID = 1L;

    /** The program's process id in the guest, for a later {@code execStatus}. */
    private final long guestPid;

    /**
     * @param message what timed out; never null
     * @param timeout how long was waited; never null
     * @param guestPid the program's process id in the guest
     */
    public ExecTimeoutException(String message, Duration timeout, long guestPid) {
        super(message, timeout);
        this.guestPid = guestPid;
    }

    /**
     * @return the program's process id in the guest
     */
    public long guestPid() {
        return guestPid;
    }
}
