package dev.qmpkit.templating.inspect;

import java.util.Objects;

/**
 * One problem found in a running VM for a {@link VmRole}.
 *
 * @param severity how bad it is; never null
 * @param code the stable code; never null
 * @param subject what it concerns: a QOM path, backend id, device id or capability name; never null
 * @param problem what is wrong, in one sentence; never null
 * @param fix what to do about it, in one sentence; never null
 */
public record Finding(Severity severity, FindingCode code, String subject, String problem, String fix) {

    /**
     * Validates.
     *
     * @param severity how bad it is; never null
     * @param code the stable code; never null
     * @param subject what it concerns: a QOM path, backend id, device id or capability name; never null
     * @param problem what is wrong, in one sentence; never null
     * @param fix what to do about it, in one sentence; never null
     */
    public Finding {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(problem, "problem");
        Objects.requireNonNull(fix, "fix");
    }

    /**
     * @return one line: {@code SEVERITY CODE [subject]: problem Fix: fix}; never null
     */
    public String render() {
        return String.format("%-7s %s [%s]: %s Fix: %s", severity, code, subject, problem, fix);
    }

    @Override
    public String toString() {
        return render();
    }
}
