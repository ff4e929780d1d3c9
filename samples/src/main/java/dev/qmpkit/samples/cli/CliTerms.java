package dev.qmpkit.samples.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The SDK's messages name its Java API, which a user of {@code ./qmpkit} never sees; this says
 * the same in the command line's terms ({@code --qemu}, not {@code CloneOptions.binary(null)}).
 * Only phrases the command line can run into are here; anything else is printed as the SDK wrote it.
 */
final class CliTerms {
    private static final Map<String, String> PHRASES = new LinkedHashMap<>();

    static {
        PHRASES.put("clone with the template's QEMU (CloneOptions.binary(null))",
                "leave out --qemu and --firmware-dir (template clone then runs the template's own QEMU)");
        PHRASES.put("or save the template again with ", "or save the template again: ./qmpkit template create --qemu ");
        PHRASES.put("(CloneOptions.binary)", "(--qemu, --firmware-dir)");
        PHRASES.put(" and CloneOptions.workDir", "");
        PHRASES.put("pass a writable CloneOptions.workDir", "make the system temporary folder (TMPDIR) writable");
        PHRASES.put("(Template.verifyRamFiles())", "(./qmpkit template clone checks its RAM files)");
        PHRASES.put(" The next call tries again; GuestAgentClient.awaitAgent waits for it.", "");
        // A command timeout says this in the library's terms; the command line's fix line says it in its own.
        PHRASES.put(" Is QEMU stopped (SIGSTOP) or busy? Raise CommandOptions.timeout for slow commands.", "");
    }

    private CliTerms() {
    }

    /** @param text an SDK message; never null @return it in command-line terms; never null */
    static String translate(String text) {
        String t = text;
        for (Map.Entry<String, String> e : PHRASES.entrySet()) {
            t = t.replace(e.getKey(), e.getValue());
        }
        return t;
    }
}
