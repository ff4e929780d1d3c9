package dev.qmpkit.samples.cli;

import dev.qmpkit.qmp.schema.QmpSchema;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;

/**
 * Tab completion for {@code ./qmpkit shell}, from what this QEMU says it has: command names,
 * then the command's argument names ({@code NAME=}, and {@code NAME.} for an object whose
 * members can be named with dots), then an enum's values or {@code true}/{@code false} after
 * {@code NAME=}. In HMP mode, the HMP command names QEMU's {@code help} lists.
 */
final class ShellCompleter implements Completer {
    private final QmpSchema schema;
    private final List<String> hmpCommands;

    /**
     * @param schema the QEMU's schema; never null
     * @param hmpCommands HMP command names, for HMP mode; null in QMP mode
     */
    ShellCompleter(QmpSchema schema, List<String> hmpCommands) {
        this.schema = Objects.requireNonNull(schema, "schema");
        this.hmpCommands = hmpCommands;
    }

    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
        String word = line.word().substring(0, Math.min(line.wordCursor(), line.word().length()));
        if (hmpCommands != null) {
            if (line.wordIndex() == 0) {
                hmpCommands.forEach(c -> candidates.add(new Candidate(c)));
            }
            return;
        }
        if (line.wordIndex() == 0) {
            schema.commands().forEach(c -> candidates.add(new Candidate(c)));
            return;
        }
        String command = line.words().get(0);
        int eq = word.indexOf('=');
        if (eq > 0) {
            String name = word.substring(0, eq);
            Set<String> values = new java.util.TreeSet<>(schema.argumentEnumValues(command, name));
            if (schema.argumentJsonTypes(command, name).contains("boolean")) {
                values.addAll(List.of("true", "false"));
            }
            values.forEach(v -> candidates.add(new Candidate(name + "=" + v, v, null, null, null, null, true)));
            return;
        }
        Set<String> given = new HashSet<>();
        for (int i = 1; i < line.words().size(); i++) {
            String w = line.words().get(i);
            if (i != line.wordIndex() && w.indexOf('=') > 0) {
                given.add(w.substring(0, w.indexOf('=')));
            }
        }
        int dot = word.lastIndexOf('.');
        String path = dot < 0 ? "" : word.substring(0, dot);
        for (String member : schema.commandArguments(command, path)) {
            String full = path.isEmpty() ? member : path + "." + member;
            if (given.contains(full)) {
                continue;
            }
            candidates.add(new Candidate(full + "=", full, null, null, null, null, false));
            if (schema.argumentJsonTypes(command, full).contains("object")
                    && !schema.commandArguments(command, full).isEmpty()) {
                candidates.add(new Candidate(full + ".", full + ".", null, null, null, null, false));
            }
        }
    }
}
