package dev.qmpkit.templating.inspect.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qmpkit.qmp.launch.QemuOption;
import dev.qmpkit.templating.inspect.MemoryBackend;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the fix sentences of findings, so every fix that changes the VM has the same shape
 * (documented on {@link dev.qmpkit.templating.inspect.Finding}): one verb, then QEMU options or a
 * QMP command in backquotes, exactly as they are to be pasted.
 */
final class Fixes {
    private Fixes() {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Stands for a new file the user picks for a template's RAM. */
    static final String FILE = "FILE";
    /** Stands for the RAM file of the template a clone is made from. */
    static final String TEMPLATE_FILE = "TEMPLATE-FILE";

    /** @return {@code Append `,props` to `option`.} */
    static String append(String props, String option) {
        return "Append `," + props + "` to `" + option + "`.";
    }

    /** @return {@code Replace `old` with `replacement`.} */
    static String replace(String old, String replacement) {
        return "Replace `" + old + "` with `" + replacement + "`.";
    }

    /** @return {@code Add `args`.} */
    static String add(String args) {
        return "Add `" + args + "`.";
    }

    /** @return {@code Remove `option`.} */
    static String remove(String option) {
        return "Remove `" + option + "`.";
    }

    /** @return {@code Send `{"execute":...}`.} for a QMP command */
    static String send(String command, Map<String, ?> arguments) {
        try {
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("execute", command);
            message.put("arguments", arguments);
            return "Send `" + JSON.writeValueAsString(message) + "`.";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the QMP command that turns one migration capability off */
    static String capabilityOff(String capability) {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("capability", capability);
        state.put("state", false);
        return send("migrate-set-capabilities", Map.of("capabilities", List.of(state)));
    }

    /** @return how the user names a backend on the command line: {@code -object TYPE,id=ID} */
    static String option(MemoryBackend b) {
        return "-object " + b.qomType() + ",id=" + QemuOption.escape(b.id());
    }
}
