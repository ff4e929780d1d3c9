package dev.qmpkit.templating.fixup;

import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.agent.ExecRequest;
import dev.qmpkit.qmp.agent.ExecResult;
import java.util.Objects;

/**
 * A hook of the user's: runs a program in the guest through the agent ({@code guest-exec}) and
 * fails when it exits with another status than 0, with its standard error. For what the SDK
 * cannot know: new SSH host keys, certificates, a service restart that rereads the host name.
 * Obtain with {@link FixUps#guestCommand(String, ExecRequest)}.
 */
public final class GuestCommandFixUp extends NamedFixUp {

    private final ExecRequest request;

    GuestCommandFixUp(String name, ExecRequest request) {
        super(name);
        this.request = Objects.requireNonNull(request, "request");
    }

    /** @return the program it runs; never null */
    public ExecRequest request() {
        return request;
    }

    /** @return the exited program's {@link ExecResult} as detail */
    @Override
    public FixUpOutcome apply(FixUpContext context) {
        ExecResult r = Futures.await(context.agent().exec(request));
        if (!r.succeeded()) {
            String err = r.stderrText().strip();
            throw new IllegalStateException(request + " exited with status " + r.shellStatus()
                    + (err.isEmpty() ? "" : ": " + (err.length() > 400 ? err.substring(0, 400) + "..." : err)));
        }
        return FixUpOutcome.of(request + " exited 0", r);
    }

    @Override
    String describe() {
        return request.toString();
    }
}
