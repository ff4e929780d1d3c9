package dev.qmpkit.templating.inspect;

import java.util.Objects;

/**
 * One problem found in a running VM for a {@link VmRole}.
 *
 * <p>A fix that changes the VM starts with one of five verbs and gives what to paste in
 * backquotes, exactly: {@code Append `,KEY=VALUE` to `-object TYPE,id=ID`} (or to a
 * {@code -device}; QEMU takes the last value of a repeated key), {@code Replace `OLD` with `NEW`},
 * {@code Add `NEW`}, {@code Remove `OPTION`} for the QEMU command line, and
 * {@code Send `{"execute": ...}`} for a QMP command to the running VM. {@code FILE} stands for a
 * new file for a template's RAM, {@code TEMPLATE-FILE} for the RAM file of the template a clone
 * is made from. A test applies every such fix to the VM it was found on and checks that the
 * finding goes away. Other fixes (e.g. "None on this QEMU: ...") say why no change of this VM
 * helps.
 *
 * @param severity how bad it is; never null
 * @param code the stable code; never null
 * @param subject what it concerns: a QOM path, backend id, device id or capability name; never null
 * @param problem what is wrong; never null
 * @param fix what to do about it, in the form above; never null
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
