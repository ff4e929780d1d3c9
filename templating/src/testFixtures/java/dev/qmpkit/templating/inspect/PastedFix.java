package dev.qmpkit.templating.inspect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpCommandException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Does with a finding's fix what a user does: pastes the text in backquotes where the verb says
 * (the shapes documented on {@link Finding}). Nothing here knows a finding code: if the text is
 * wrong, the pasted command line is wrong. Used by the templating tests and, through the test
 * jar, by the samples' {@code ./qmpkit check} tests.
 */
public final class PastedFix {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SHAPE =
            Pattern.compile("^(Append|Replace|Add|Remove|Send) `([^`]*)`(?: (?:to|with) `([^`]*)`)?");

    /** Options whose value is {@code TYPE,key=value,...}. */
    private static final Set<String> KEYED = Set.of("-object", "-device", "-netdev");

    /** The verbs of a fix that changes the VM. */
    public enum Verb { APPEND, REPLACE, ADD, REMOVE, SEND }

    private final Verb verb;
    private final String first;
    private final String second;

    private PastedFix(Verb verb, String first, String second) {
        this.verb = verb;
        this.first = first;
        this.second = second;
    }

    /**
     * @param fix a finding's fix text
     * @return the fix, or empty when it changes nothing ("None ...", "Nothing to do.")
     */
    public static Optional<PastedFix> parse(String fix) {
        Matcher m = SHAPE.matcher(fix);
        if (!m.find()) {
            return Optional.empty();
        }
        Verb verb = Verb.valueOf(m.group(1).toUpperCase(java.util.Locale.ROOT));
        if ((verb == Verb.APPEND || verb == Verb.REPLACE) != (m.group(3) != null)) {
            throw new IllegalArgumentException("fix does not follow its verb's shape: " + fix);
        }
        return Optional.of(new PastedFix(verb, m.group(2), m.group(3)));
    }

    /** @return the verb */
    public Verb verb() {
        return verb;
    }

    /** @return whether the fix is a QMP command for the running VM rather than a new command line */
    public boolean isQmp() {
        return verb == Verb.SEND;
    }

    /**
     * Sends the fix's QMP command, as {@code ./qmpkit qmp} or any monitor client would.
     *
     * @param client the VM the finding was found on
     */
    public void send(QmpClient client) throws QmpCommandException {
        try {
            JsonNode message = JSON.readTree(first);
            client.blocking().execute(message.path("execute").asText(), message.get("arguments"));
        } catch (IOException e) {
            throw new UncheckedIOException("the fix's QMP command is not JSON: " + first, e);
        }
    }

    /**
     * @param args the QEMU arguments the VM was started with (options only, no binary)
     * @param files what the placeholders stand for: {@code FILE}, {@code TEMPLATE-FILE}
     * @return the arguments with the fix pasted in
     * @throws IllegalArgumentException when the fix names an option the arguments do not have,
     *         or one they have more than once
     */
    public List<String> applyTo(List<String> args, Map<String, String> files) {
        List<String> out = new ArrayList<>(args);
        switch (verb) {
            case APPEND -> {
                int i = find(out, second);
                out.set(i + 1, out.get(i + 1) + substitute(first, files));
            }
            case REPLACE -> {
                int i = find(out, first);
                out.remove(i + 1);
                out.remove(i);
                out.addAll(i, tokens(substitute(second, files)));
            }
            case ADD -> out.addAll(tokens(substitute(first, files)));
            case REMOVE -> {
                int i = find(out, first);
                out.remove(i + 1);
                out.remove(i);
            }
            case SEND -> throw new IllegalStateException("a QMP fix changes no command line: " + first);
            default -> throw new AssertionError(verb);
        }
        return out;
    }

    /**
     * Finds the option a fix names: {@code -mem-path P} or {@code -uuid U} exactly, or
     * {@code -object TYPE,id=ID}, {@code -device TYPE[,id=ID]}, {@code -netdev TYPE,id=ID} by
     * their type and id (the user's option has more keys).
     */
    private static int find(List<String> args, String reference) {
        List<String> ref = tokens(reference);
        if (ref.size() != 2) {
            throw new IllegalArgumentException("not an option reference: " + reference);
        }
        String flag = ref.get(0);
        List<String> refParts = Arrays.asList(ref.get(1).split(","));
        boolean keyed = KEYED.contains(flag);
        int found = -1;
        for (int i = 0; i + 1 < args.size(); i++) {
            if (!args.get(i).equals(flag)) {
                continue;
            }
            String value = args.get(i + 1);
            boolean match = keyed ? matches(value, refParts) : value.equals(ref.get(1));
            if (match) {
                if (found >= 0) {
                    throw new IllegalArgumentException("the fix names `" + reference + "`, which matches twice in " + args);
                }
                found = i;
            }
        }
        if (found < 0) {
            throw new IllegalArgumentException("the fix names `" + reference + "`, which is not in " + args);
        }
        return found;
    }

    /** {@code TYPE[,id=ID]} against {@code TYPE,key=value,...} (the type may also be given as {@code driver=}/{@code qom-type=}). */
    private static boolean matches(String value, List<String> ref) {
        List<String> parts = Arrays.asList(value.split(","));
        String type = parts.get(0).contains("=") ? parts.get(0).substring(parts.get(0).indexOf('=') + 1) : parts.get(0);
        if (!type.equals(ref.get(0))) {
            return false;
        }
        return parts.subList(1, parts.size()).containsAll(ref.subList(1, ref.size()));
    }

    private static List<String> tokens(String text) {
        return Arrays.asList(text.trim().split(" +"));
    }

    private static String substitute(String text, Map<String, String> files) {
        String out = text;
        // TEMPLATE-FILE first: it contains FILE.
        for (String placeholder : List.of("TEMPLATE-FILE", "FILE")) {
            if (files.containsKey(placeholder)) {
                out = out.replace("mem-path=" + placeholder, "mem-path=" + files.get(placeholder));
            }
        }
        if (out.contains("mem-path=FILE") || out.contains("mem-path=TEMPLATE-FILE")) {
            throw new IllegalArgumentException("no file given for the placeholder in " + text);
        }
        return out;
    }

    @Override
    public String toString() {
        return verb + " `" + first + "`" + (second == null ? "" : " / `" + second + "`");
    }
}
