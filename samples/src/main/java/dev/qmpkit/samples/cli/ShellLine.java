package dev.qmpkit.samples.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.qmpkit.qmp.schema.QmpSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One line typed into {@code ./qmpkit shell}, in qmp-shell's syntax:
 * {@code COMMAND [NAME=VALUE ...]}. A name with dots makes nested objects
 * ({@code cache.direct=true} is {@code {"cache": {"direct": true}}}); a value is JSON when it
 * reads as JSON (numbers, {@code true}, {@code null}, quoted strings, objects and arrays, also with
 * single quotes and unquoted names: {@code {'a': 1}}), and otherwise a string. Where the
 * schema says an argument takes only a string, a value is a string whatever it looks like
 * ({@code id=123} is {@code "123"}). Values may contain spaces inside quotes or brackets.
 *
 * @param command the command name; never null
 * @param arguments the arguments, an empty object when there are none; never null
 */
record ShellLine(String command, ObjectNode arguments) {
    private static final ObjectMapper LENIENT = new ObjectMapper()
            .enable(JsonParser.Feature.ALLOW_SINGLE_QUOTES)
            .enable(JsonParser.Feature.ALLOW_UNQUOTED_FIELD_NAMES);
    private static final Pattern INTEGER = Pattern.compile("-?\\d+");
    private static final Pattern DECIMAL = Pattern.compile("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?");

    ShellLine {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(arguments, "arguments");
    }

    /** The line cannot be read; the message says where. */
    static final class SyntaxException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SyntaxException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * @param line what was typed; never null, not blank
     * @param schema the QEMU's schema, for argument types; null to go by the values alone
     * @return the command
     * @throws SyntaxException when it cannot be read
     */
    static ShellLine parse(String line, QmpSchema schema) {
        List<String> words = words(line);
        if (words.isEmpty()) {
            throw new SyntaxException("empty line");
        }
        String command = words.get(0);
        ObjectNode arguments = JsonNodeFactory.instance.objectNode();
        for (String word : words.subList(1, words.size())) {
            int eq = word.indexOf('=');
            if (eq <= 0) {
                throw new SyntaxException("expected NAME=VALUE, got '" + word + "'");
            }
            String name = word.substring(0, eq);
            Set<String> types = schema == null ? Set.of() : schema.argumentJsonTypes(command, name);
            put(arguments, name, value(name, word.substring(eq + 1), types));
        }
        return new ShellLine(command, arguments);
    }

    /**
     * Splits a line at spaces that are outside quotes and brackets.
     *
     * @param line the line; never null
     * @return its words, quotes kept; never null
     * @throws SyntaxException for an unclosed quote or bracket
     */
    static List<String> words(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        char quote = 0;
        int depth = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                cur.append(c);
                if (c == '\\' && i + 1 < line.length()) {
                    cur.append(line.charAt(++i));
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                cur.append(c);
            } else if (c == '{' || c == '[') {
                depth++;
                cur.append(c);
            } else if (c == '}' || c == ']') {
                depth--;
                cur.append(c);
            } else if (Character.isWhitespace(c) && depth <= 0) {
                if (cur.length() > 0) {
                    words.add(cur.toString());
                    cur.setLength(0);
                }
            } else {
                cur.append(c);
            }
        }
        if (quote != 0) {
            throw new SyntaxException("unclosed " + quote + " in: " + line);
        }
        if (depth > 0) {
            throw new SyntaxException("unclosed bracket in: " + line);
        }
        if (cur.length() > 0) {
            words.add(cur.toString());
        }
        return words;
    }

    /** The JSON value of {@code raw}, given the types the argument accepts (empty: unknown). */
    static JsonNode value(String name, String raw, Set<String> types) {
        char first = raw.isEmpty() ? 0 : raw.charAt(0);
        if (first == '{' || first == '[' || first == '"' || first == '\'') {
            try {
                return LENIENT.readTree(raw);
            } catch (JsonProcessingException e) {
                throw new SyntaxException("the value of " + name + " is not JSON: " + e.getOriginalMessage());
            }
        }
        boolean onlyString = types.equals(Set.of("string"));
        if (onlyString) {
            return TextNode.valueOf(raw);
        }
        switch (raw) {
            case "true", "false" -> {
                return JsonNodeFactory.instance.booleanNode(raw.equals("true"));
            }
            case "null" -> {
                return JsonNodeFactory.instance.nullNode();
            }
            default -> {
                // a number, unless the argument is known to take no number
            }
        }
        boolean numberAllowed = types.isEmpty() || types.contains("int") || types.contains("number")
                || types.contains("value");
        if (numberAllowed && INTEGER.matcher(raw).matches()) {
            try {
                return JsonNodeFactory.instance.numberNode(Long.parseLong(raw));
            } catch (NumberFormatException e) {
                return JsonNodeFactory.instance.numberNode(new java.math.BigInteger(raw));
            }
        }
        if (numberAllowed && DECIMAL.matcher(raw).matches()) {
            return JsonNodeFactory.instance.numberNode(Double.parseDouble(raw));
        }
        return TextNode.valueOf(raw);
    }

    /** Sets a dotted name in {@code root}, making the objects on the way. */
    private static void put(ObjectNode root, String dotted, JsonNode value) {
        String[] path = dotted.split("\\.", -1);
        ObjectNode parent = root;
        for (int i = 0; i < path.length - 1; i++) {
            if (path[i].isEmpty()) {
                throw new SyntaxException("empty name in '" + dotted + "'");
            }
            JsonNode next = parent.get(path[i]);
            if (next == null) {
                next = parent.putObject(path[i]);
            } else if (!next.isObject()) {
                throw new SyntaxException("'" + String.join(".", List.of(path).subList(0, i + 1))
                        + "' is given a value and members both");
            }
            parent = (ObjectNode) next;
        }
        String leaf = path[path.length - 1];
        if (leaf.isEmpty()) {
            throw new SyntaxException("empty name in '" + dotted + "'");
        }
        if (parent.has(leaf)) {
            throw new SyntaxException(parent.get(leaf).isObject() && !value.isObject()
                    ? "'" + dotted + "' is given a value and members both" : "'" + dotted + "' is given twice");
        }
        parent.set(leaf, value);
    }
}
