package dev.qmpkit.templating.guest;

import dev.qmpkit.templating.TemplatingException;
import java.util.Objects;

/**
 * A {@link LinuxGuest} could not be built: a Debian package could not be found or fetched, a
 * host tool is missing or failed, or a package did not contain what the guest needs. The
 * message names the package or tool and ends with the fix, which {@link #fix()} also returns.
 */
public class GuestBuildException extends TemplatingException {
    private static final long serialVersionUID = 1L;

    /** What the user can do about it. */
    private final String fix;

    /**
     * @param problem what failed, naming the package or tool; never null
     * @param fix what the user can do about it; never null
     * @param cause the underlying failure; may be null
     */
    public GuestBuildException(String problem, String fix, Throwable cause) {
        super(Objects.requireNonNull(problem, "problem") + ". Fix: " + Objects.requireNonNull(fix, "fix"), cause);
        this.fix = fix;
    }

    /** @return what the user can do about it; never null */
    public String fix() {
        return fix;
    }
}
