package dev.qmpkit.samples.cli;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Names close to a misspelt one, for "did you mean": at most two edits apart, or a third of the name. */
final class Similar {
    private Similar() {
    }

    /**
     * @param typed what was typed; never null
     * @param known the valid names; never null
     * @return the known names close to {@code typed}, closest first; never null
     */
    static List<String> to(String typed, Collection<String> known) {
        int limit = Math.max(2, typed.length() / 3);
        List<String> close = new ArrayList<>();
        for (String k : known) {
            if (distance(typed, k) <= limit) {
                close.add(k);
            }
        }
        close.sort((a, b) -> Integer.compare(distance(typed, a), distance(typed, b)));
        return close;
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
